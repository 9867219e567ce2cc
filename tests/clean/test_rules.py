"""Every rule: at least one positive and one near-miss negative."""

from __future__ import annotations

import pytest

from aggregator.clean import DEFAULT_RULES, strip_boilerplate, with_learned_lines

ART = "新华社太原9月28日电 山西省28日召开全省制造业振兴升级推进会，部署重点产业链培育工作，会议强调要加快项目建设。"
RULE_NAMES = {r.name for r in DEFAULT_RULES}

# (rule, footer line) — removed when it ends the body
POSITIVE = [
    ("copyright", "本网站所有内容版权所有，未经授权不得转载。"),
    ("copyright", "Copyright © 2024 太原新闻网 All Rights Reserved"),
    ("copyright", "版權所有，未經授權不得轉載"),
    ("copyright", "凡注明“来源：新华网”的作品，版权均属新华网。"),
    ("reprint_notice", "转载请注明出处。"),
    ("reprint_notice", "如需轉載請註明來源"),
    ("disclaimer", "免责声明：本文仅代表作者个人观点，与本站无关。"),
    ("disclaimer", "特别声明：以上内容如有侵权请联系删除。"),
    ("disclaimer", "版权声明:本文由网络蜘蛛自动收集于网络"),
    ("disclaimer", "免責聲明：本文內容僅供參考"),
    ("icp", "晋ICP备12345678号-1"),
    ("icp", "晋公网安备 14010502000001号"),
    ("correction", "【纠错】"),
    ("correction", "纠错邮箱：jiucuo@example.com"),
    ("editor_trailer", "(责编：胡永秋、杨光宇)"),
    ("editor_trailer", "【责任编辑：王頔】"),
    ("editor_trailer", "责任编辑：杨倩_NF4425"),
]
# weak rules: removed only together with a strong footer anchor
WEAK_POSITIVE = [
    ("hotline", "新华社上海分社职业道德监督电话 新闻热线"),
    ("contact_number", "产业招商/厂房土地租售:400 0123 021"),
    ("contact_number", "或微信/手机:13391219793"),
    ("wechat_contact", "长按/扫一扫加葛毅明的微信号"),
    ("wechat_contact", "關注微信公眾號"),
    ("contact_request", "请说明您的需求、用途、税收、公司、联系人、手机号,以便快速帮您对接资源。"),
    ("contact_request", "投稿邮箱：tougao@example.com"),
]
# near misses: article sentences that share a keyword with a rule; must survive
NEGATIVE = [
    ("copyright", "会议强调，要加强知识产权保护，严厉打击侵犯版权行为，维护权利人合法权益，营造良好创新环境，推动版权产业高质量发展。"),
    ("copyright", "根据国家相关的法律规定，一旦签订了服务合同，未经双方同意，就不得擅自变更条款。"),
    ("reprint_notice", "转载率是衡量新闻传播力的指标之一。"),
    ("disclaimer", "他在发布会上作出郑重承诺，表示将严格履行合同义务，确保项目按期交付使用，并接受社会各界监督。"),
    ("icp", "该公司已完成ICP许可证年检。"),
    ("correction", "执法人员当场责令其纠错整改，并依法作出行政处罚，要求限期完成整改。"),
    ("editor_trailer", "责任编辑：要对稿件的真实性负责，这是新闻单位的基本要求。"),
    ("hotline", "市民可拨打12345热线电话反映问题。"),
    ("contact_number", "截至10月20日，累计放贷金额超过100亿元，服务企业1300余家。"),
    ("wechat_contact", "市民可通过“太原发布”微信公众号预约办理。"),
    ("contact_request", "联系人制度有效提升了企业服务效率。"),
]


def test_every_rule_has_examples():
    names = {n for n, _ in POSITIVE + WEAK_POSITIVE}
    assert names == RULE_NAMES
    assert {n for n, _ in NEGATIVE} == RULE_NAMES


@pytest.mark.parametrize("name, line", POSITIVE)
def test_strong_rule_positive(name, line):
    st = strip_boilerplate(f"{ART}\n{line}")
    assert st.body == ART
    assert st.removed == [line]
    assert st.hits == {name: 1}


@pytest.mark.parametrize("name, line", WEAK_POSITIVE)
def test_weak_rule_positive_in_footer_block(name, line):
    anchor = "本站所有内容版权所有，未经授权不得转载。"
    number = "客服：0351-1234567"
    st = strip_boilerplate(f"{ART}\n{number}\n{line}\n{anchor}")
    assert st.body == ART
    assert st.removed == [number, line, anchor]
    assert st.hits[name] >= 1 and st.hits["copyright"] == 1
    if not line.endswith("。"):   # prose at the very top of a block is left to the article
        st = strip_boilerplate(f"{ART}\n{line}\n{anchor}")
        assert st.removed == [line, anchor] and st.hits == {name: 1, "copyright": 1}


@pytest.mark.parametrize("name, line", WEAK_POSITIVE)
def test_weak_rule_alone_keeps_last_paragraph(name, line):
    st = strip_boilerplate(f"{ART}\n{line}")
    assert st.body == f"{ART}\n{line}" and st.removed == []


@pytest.mark.parametrize("name, line", NEGATIVE)
def test_near_miss_kept(name, line):
    body = f"{ART}\n{line}"
    assert strip_boilerplate(body).body == body
    # even at the tail of a real footer block, a long or unrelated sentence is kept
    st = strip_boilerplate(f"{line}\n{ART}\n版权所有，未经授权不得转载。")
    assert line in st.body


def test_long_paragraph_mentioning_wechat_in_middle_is_kept():
    para = ("据介绍，该平台整合了政务服务、微信小程序和手机客户端等多种渠道，企业办事可以通过微信扫码一次办结，"
            "全年累计服务企业超过三万家次，群众满意度达到百分之九十八以上。")
    body = f"{ART}\n{para}\n{ART}"
    assert strip_boilerplate(body).body == body


def test_bridge_lines_inside_contact_block():
    body = "\n".join([ART, "(周渊)", "本站内容版权所有，未经授权禁止转载。", "葛毅明", "电话：0351-1234567", "版权声明：本文来自网络"])
    st = strip_boilerplate(body)
    assert st.body == f"{ART}\n(周渊)"
    assert st.removed == body.split("\n")[2:]
    assert st.hits["footer_block"] == 1


def test_removed_keeps_everything_in_order():
    body = "\n".join(["晋ICP备1号", ART, "转载请注明出处", "版权所有"])
    st = strip_boilerplate(body)
    assert sorted(st.body.split("\n") + st.removed, key=body.split("\n").index) == body.split("\n")
    assert st.removed == ["晋ICP备1号", "转载请注明出处", "版权所有"]


def test_learned_lines_rule():
    rules = with_learned_lines({"更多精彩请关注太原新闻网"})
    st = strip_boilerplate(f"更多精彩请关注太原新闻网\n{ART}", rules)
    assert st.body == ART and st.hits == {"source_template": 1}


@pytest.mark.parametrize("name, line", POSITIVE + [
    ("reprint_notice", "本站所刊登的各种新闻均为转发"), ("disclaimer", "自动收集于网络"),
    ("disclaimer", "请联系我们删除"), ("disclaimer", "不代表本站观点"), ("disclaimer", "本站仅提供信息存储空间服务"),
    ("disclaimer", "不构成投资建议"), ("icp", "违法和不良信息举报电话"), ("copyright", "未经同意不得复制"),
    ("copyright", "禁止转载"), ("copyright", "凡注明来源：本网的作品"),
])
def test_extractor_prefilter_covers_strong_rules(name, line):
    """The extractor keeps boilerplate from voting for the container with a cheap
    trigger before the full strong-rule regex; it must not miss a strong rule."""
    from aggregator.extract.body import _is_boilerplate

    assert _is_boilerplate(line)


def test_article_prose_just_above_the_footer_is_kept():
    last = "市民可通过“太原发布”微信公众号预约办理。"
    st = strip_boilerplate(f"{ART}\n{last}\n本网站所有内容版权所有，未经授权不得转载。")
    assert st.body == f"{ART}\n{last}"
    assert st.removed == ["本网站所有内容版权所有，未经授权不得转载。"]


def test_contact_prose_inside_the_footer_block_is_removed():
    block = ["葛毅明微信号", "或微信/手机:13391219793", "请说明您的需求、用途、税收、公司、联系人、手机号,以便快速帮您对接资源。",
             "长按/扫一扫加葛毅明的微信号", "版权声明:本文由网络蜘蛛自动收集于网络"]
    st = strip_boilerplate("\n".join([ART] + block))
    assert st.body == ART and st.removed == block
