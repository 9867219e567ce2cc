import subprocess
from pathlib import Path
import sys

import numpy as np
import pytest

from aggregator.dedup import DEFAULT_CONFIG, DedupConfig, body_hash, normalise, signature
from aggregator.dedup.fingerprint import band_keys, estimate_jaccard, shingles

PARAS = [
    "本报讯 记者从市发展和改革委员会获悉，今年前三季度，全市规模以上工业增加值同比增长8.6%，高于全省平均水平1.2个百分点，其中装备制造业和新能源产业贡献突出。",
    "据介绍，全市新能源汽车产量达到12.4万辆，同比增长45%。动力电池、电机电控等关键零部件企业加快集聚，已形成从原材料到整车的完整产业链，产业集群效应逐步显现。",
    "与此同时，传统产业转型升级步伐加快。纺织、化工等行业实施技术改造项目326个，完成投资186亿元，单位工业增加值能耗同比下降4.3%，绿色制造水平明显提升。",
    "市发改委有关负责人表示，下一步将继续落实稳增长政策措施，加大对重点企业的要素保障力度，推动一批重大项目早开工、早投产、早见效，确保全年目标任务圆满完成。",
    "业内专家分析认为，随着区域协同发展战略深入实施，该市在长三角产业分工中的地位不断提升，未来在智能制造和数字经济领域仍有较大的发展空间。",
]
BODY = "\n".join(PARAS)
OTHER = "\n".join([
    "昨日，省教育厅召开新闻发布会，通报今年高校毕业生就业工作进展情况。截至目前，全省高校毕业生去向落实率达到87.5%，比去年同期提高2.1个百分点。",
    "发布会上，有关负责人介绍，今年以来全省共举办线上线下招聘活动1.2万场，提供岗位信息68万条，组织企业进校园、书记校长访企拓岗等专项行动，取得明显成效。",
    "下一步，省教育厅将持续加强就业指导服务，重点帮扶困难家庭毕业生、残疾毕业生等群体，确保有就业意愿的毕业生都能找到合适岗位。",
])


def test_normalise_drops_formatting():
    assert normalise("Ａ Ｂ，c！\n１２３。") == "abc123"
    assert normalise("") == "" and normalise(None) == ""


def test_body_hash_equal_for_formatting_differences():
    variants = [
        BODY,
        BODY.replace("\n", "\n\n  "),  # blank lines and indents
        BODY.replace("，", ",").replace("。", ".").replace("%", "％"),  # half/full-width punctuation
        "　　" + BODY.replace("\n", "\r\n　　") + "\n",  # full-width indent, CRLF
        BODY.replace("8.6%", "８．６％").replace("12.4", "１２．４"),  # full-width digits
    ]
    hashes = {body_hash(v) for v in variants}
    assert len(hashes) == 1
    h = hashes.pop()
    assert len(h) == 64 and int(h, 16) >= 0
    assert body_hash(BODY) != body_hash(BODY.replace("8.6%", "8.7%"))  # content differs


EDITS = {
    "byline": lambda b: "（记者 张伟 通讯员 李娜）" + b,
    "byline_end": lambda b: b + "\n（记者 张伟）",
    "drop_paragraph": lambda b: "\n".join(p for i, p in enumerate(b.split("\n")) if i != 2),
    "drop_first_paragraph": lambda b: "\n".join(b.split("\n")[1:]),
    "fullwidth": lambda b: b.translate(str.maketrans({"，": ",", "。": ".", "%": "％", "：": ":"})),
    "footer": lambda b: b + "\n责任编辑：王小明\n本文来源：东方财经网 转载请注明出处 版权所有 违者必究",
    "footer2": lambda b: b + "\n【免责声明】本文仅代表作者本人观点，与本网站无关。\n（编辑：刘洋）",
    "title_prefix": lambda b: b,  # 转载：is on the title, the body is unchanged
    "all": lambda b: "（记者 张伟）" + "\n".join(p for i, p in enumerate(b.split("\n")) if i != 3).replace("，", ",") + "\n责任编辑：王小明 来源：某某网",
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_signature_robust_to_syndication_edits(edit):
    a, b = signature(BODY), signature(EDITS[edit](BODY))
    assert a is not None and b is not None
    assert a.jaccard(b) >= DEFAULT_CONFIG.threshold, edit
    # and they share at least one LSH band, so the index finds them
    assert set(a.band_keys()) & set(b.band_keys()), edit


def test_different_articles_not_similar():
    a, b = signature(BODY), signature(OTHER)
    assert a.jaccard(b) < 0.1
    assert not set(a.band_keys()) & set(b.band_keys())


@pytest.mark.parametrize("tiny", ["", " ", "\n\n", "。。。", "图片", "责任编辑：王小明", "本报讯（记者 张伟）"])
def test_tiny_bodies_have_no_signature(tiny):
    assert signature(tiny) is None


def test_min_chars_boundary():
    cfg = DedupConfig(min_chars=60)
    text = ("甲乙丙丁戊己庚辛壬癸" * 10)
    assert signature(text[:59], cfg) is None
    assert signature(text[:60], cfg) is not None


def test_signature_shape_and_serialisation():
    s = signature(BODY)
    assert s.values.dtype == np.uint32 and len(s.values) == DEFAULT_CONFIG.num_perm
    assert len(s.to_bytes()) == 4 * DEFAULT_CONFIG.num_perm
    assert estimate_jaccard(s.values, s.to_bytes()) == 1.0
    assert s.body_hash == body_hash(BODY)
    assert s.n_shingles == len(shingles(BODY))
    assert len(s.band_keys()) == DEFAULT_CONFIG.bands
    assert all(-(2**63) <= k < 2**63 for k in s.band_keys())


def test_estimate_tracks_true_jaccard():
    a, b = BODY, EDITS["drop_paragraph"](BODY)
    sa, sb = shingles(a), shingles(b)
    true = len(sa & sb) / len(sa | sb)
    assert abs(signature(a).jaccard(signature(b)) - true) < 0.15


def test_signatures_are_stable_across_processes():
    """Signatures and band keys are stored and compared between crawlers: they must not
    depend on the process (PYTHONHASHSEED) or machine."""
    code = ("from aggregator.dedup import signature;import sys;"
            "s=signature(sys.stdin.read());print(s.to_bytes().hex());print(s.band_keys())")
    outs = set()
    for seed in ("1", "2"):
        r = subprocess.run([sys.executable, "-c", code], input=BODY, capture_output=True, text=True,
                           env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"}, check=True, cwd=str(Path(__file__).resolve().parents[2]))
        outs.add(r.stdout)
    assert len(outs) == 1
    s = signature(BODY)
    assert outs.pop() == f"{s.to_bytes().hex()}\n{s.band_keys()}\n"


def test_containment_rule_accepts_a_heavily_cut_copy():
    from aggregator.dedup import estimate_containment, is_copy

    cut = "\n".join(PARAS[:2])  # three of five paragraphs dropped
    a, b = signature(BODY), signature(cut)
    j = a.jaccard(b)
    assert j < DEFAULT_CONFIG.threshold
    assert estimate_containment(j, a.n_shingles, b.n_shingles) >= 0.8
    assert is_copy(j, a.n_shingles, b.n_shingles)
    # but a short text quoted inside a long unrelated one is not a copy (Jaccard floor)
    assert not is_copy(0.1, 1000, 100)
    assert estimate_containment(0.0, 10, 10) == 0.0 and estimate_containment(1.0, 10, 10) == 1.0


def test_config_validation():
    with pytest.raises(ValueError):
        DedupConfig(num_perm=100, bands=32)
    with pytest.raises(ValueError):
        DedupConfig(threshold=0)
    assert DedupConfig().rows == 4
    c = DedupConfig()
    assert c.candidate_probability(0.8) > 0.99 and c.candidate_probability(0.1) < 0.01


def test_band_keys_depend_on_band_position():
    v = np.zeros(DEFAULT_CONFIG.num_perm, dtype=np.uint32)
    keys = band_keys(v)
    assert len(set(keys)) == len(keys)  # identical band contents at different positions differ
