import pytest

from aggregator.relate.regions import city_short, find_regions, gazetteer, province_short


def places(text):
    return {(r.province, r.city, r.district) for r in find_regions("", text)}


def test_short_names():
    assert province_short("山西省") == "山西"
    assert province_short("内蒙古自治区") == "内蒙古"
    assert province_short("广西壮族自治区") == "广西"
    assert province_short("香港特别行政区") == "香港"
    assert city_short("太原市") == "太原"
    assert city_short("延边朝鲜族自治州") == "延边"
    assert city_short("阿里地区") == "阿里"
    assert city_short("锡林郭勒盟") == "锡林郭勒"


def test_city_maps_to_province_and_district_to_city():
    assert places("太原市小店区举行产业大会") == {("山西省", "太原市", None), ("山西省", "太原市", "小店区")}
    assert places("太原的煤炭企业") == {("山西省", "太原市", None)}
    assert places("山西太原") == {("山西省", None, None), ("山西省", "太原市", None)}


def test_municipality_and_new_area():
    assert ("上海市", "上海市", "浦东新区") in places("临港新片区发布新政策")
    assert places("浦东新区") == {("上海市", "上海市", "浦东新区")}


def test_context_area_needs_its_province():
    assert places("天津临港经济区") == {("天津市", "天津市", None)}
    assert ("上海市", "上海市", "浦东新区") in places("上海临港")


@pytest.mark.parametrize("text", ["长治久安", "四平八稳", "祝大家安康", "阿里巴巴发布财报", "中山大学", "沿海城市", "欢迎来宾", "朝阳产业"])
def test_common_words_are_not_places(text):
    assert places(text) == set()


def test_ambiguous_district_needs_context():
    assert places("鼓楼区政府") == set()
    assert ("江苏省", "南京市", "鼓楼区") in places("南京市鼓楼区")
    assert ("福建省", "福州市", "鼓楼区") in places("福州鼓楼区")


def test_mentions_counted():
    r = find_regions("太原", "太原市煤炭，太原钢铁")
    assert r[0].city == "太原市" and r[0].mentions == 3


def test_gazetteer_has_all_provinces():
    provs = {p.province for p in gazetteer().places.values()}
    assert len(provs) == 34
