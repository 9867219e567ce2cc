"""The boilerplate rule library: named Chinese footer patterns, as data.

A rule removes a *whole line* of a body. Two strengths:

* ``strong`` rules (copyright, disclaimers, ICP, reprint notices) are footer anchors.
  They remove a line anywhere if it is at most ``anywhere_max_len`` characters, and in
  the footer zone (tail of the body) if at most ``max_len``.
* ``weak`` rules (WeChat, phone numbers, hotlines, contact requests) only remove lines
  of the footer zone, and only when that zone also holds a strong anchor: a last
  paragraph that merely mentions 微信 or a phone number is article text and stays.

The footer zone is the longest run of lines at the end of the body where every line
matches a rule, allowing up to ``BRIDGE_MAX`` short unmatched lines between matches
(e.g. a contact person's name line inside an advertising block).

To add a rule: append a ``Rule`` to ``DEFAULT_RULES`` with a unique ``name``, at least
one positive and one near-miss negative example in ``tests/clean/test_rules.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: re.Pattern | None = None
    strong: bool = True
    max_len: int = 300          # longest line removed inside the footer zone
    anywhere_max_len: int = 0   # longest line removed outside the zone (0 = zone only)
    lines: frozenset[str] = field(default_factory=frozenset)  # exact lines (learned templates)
    anchor: bool = True         # a strong rule that does not make the footer zone (editor trailers)

    def matches(self, line: str) -> bool:
        if self.lines and line in self.lines:
            return True
        return bool(self.pattern is not None and self.pattern.search(line))


def _re(*alternatives: str) -> re.Pattern:
    return re.compile("|".join(alternatives), re.I)


_PHONE = r"(?<!\d)(?:1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}|0\d{2,3}[-－—\s]?\d{7,8}|[48]00[-\s]?\d{3,4}[-\s]?\d{3,4})(?!\d)"

COPYRIGHT = Rule("copyright", _re(
    r"版权所有", r"版權所有", r"版权归.{0,20}所有", r"版權歸.{0,20}所有", r"版权声明", r"版權聲明",
    r"copyright", r"all rights reserved", r"©", r"\(c\)\s*\d{4}",
    r"未经.{0,16}(授权|许可|同意|允许).{0,24}(不得|禁止|严禁|请勿|谢绝|不可).{0,12}"
    r"(转载|复制|使用|摘编|镜像|下载|传播|转贴|刊登|链接|改编|翻印|出版)",
    r"未經.{0,16}(授權|許可|同意|允許).{0,24}(不得|禁止|嚴禁|請勿|謝絕|不可).{0,12}"
    r"(轉載|複製|使用|摘編|鏡像|下載|傳播|轉貼|刊登|鏈接|改編|翻印|出版)",
    r"(不得|禁止|严禁|嚴禁|谢绝|謝絕)(任何)?(单位|个人|媒体|網站|网站)?.{0,6}(转载|轉載|复制|複製|摘编|摘編|镜像|鏡像)",
    r"均为.{0,12}版权", r"凡(本网|本站|本报|本刊)?注明[“\"]?(来源|來源)[:：]",
), max_len=300, anywhere_max_len=120)

REPRINT = Rule("reprint_notice", _re(
    r"转载请(注明|联系|保留)", r"轉載請(註明|注明|聯繫|保留)", r"如需转载", r"如需轉載", r"欢迎转载", r"歡迎轉載",
    r"转载(自|于).{0,30}(仅供|如有)", r"(本文|本站|本网)(为|系|為)?原创.{0,20}转载",
    r"(本站|本网|本網)所刊(登|载)",
), max_len=250, anywhere_max_len=100)

DISCLAIMER = Rule("disclaimer", _re(
    r"免责声明", r"免責聲明", r"特别声明", r"特別聲明", r"郑重声明", r"鄭重聲明",
    r"网络蜘蛛", r"網絡蜘蛛", r"自动收集于网络", r"自動收集於網絡",
    r"如有侵权", r"如有侵權", r"侵权(请|請)?(联系|聯繫|告知)", r"(联系|聯繫)(我们|我們|本站|本网)?(删除|刪除)",
    r"不代表本(站|网|網|平台|报|刊).{0,6}(观点|觀點|立场|立場)", r"仅代表作者(个人)?(观点|看法)",
    r"(本站|本网|本平台)?(仅|只)提供信息存储", r"仅供(参考|學習|学习|交流)[，,]?.{0,12}(不构成|不構成|请勿|如有)",
    r"不(构成|構成)(任何)?投资建议",
), max_len=300, anywhere_max_len=200)

ICP = Rule("icp", _re(
    r"ICP\s*(备|備|证|證)", r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼]ICP",
    r"公网安备", r"公網安備", r"网安备\s*\d", r"增值电信业务经营许可证", r"互联网新闻信息服务许可证",
    r"违法和不良信息举报", r"違法和不良信息舉報",
), max_len=300, anywhere_max_len=150)

CORRECTION = Rule("correction", _re(
    r"^[【\[]?\s*(我要)?纠错\s*[】\]]?$", r"^[【\[]?\s*(我要)?糾錯\s*[】\]]?$", r"纠错(邮箱|电话|热线)", r"糾錯(郵箱|電話)",
), max_len=60, anywhere_max_len=30)

# An editor credit closing the story ("(责编：胡永秋、杨光宇)", "【责任编辑：王頔】"): the
# extractor reads it into ``editor`` first; here it leaves the body for ``removed``.
EDITOR_TRAILER = Rule("editor_trailer", _re(
    r"^[【\[(（]\s*(责任编辑|責任編輯|责编|責編|编辑|編輯)\s*[:：]\s*[^】\])）:：]{1,30}[】\])）]$",
    r"^(责任编辑|責任編輯|责编|責編)\s*[:：|｜]\s*[^\s，。,]{1,20}(\s+[A-Z]{1,4}\d{2,6})?$",
), max_len=40, anywhere_max_len=40, anchor=False)

HOTLINE = Rule("hotline", _re(
    r"新闻热线", r"新聞熱線", r"监督电话", r"監督電話", r"举报电话", r"舉報電話", r"投诉电话", r"投訴電話",
    r"热线电话", r"熱線電話", r"服务热线", r"服務熱線", r"客服电话", r"客服電話", r"报料(热线|电话|邮箱)",
), strong=False, max_len=80)

CONTACT_NUMBER = Rule("contact_number", re.compile(_PHONE), strong=False, max_len=100)

WECHAT = Rule("wechat_contact", _re(
    r"微信", r"公众号", r"公眾號", r"二维码", r"二維碼", r"扫一扫", r"掃一掃", r"扫码", r"掃碼", r"长按", r"長按",
), strong=False, max_len=60)

CONTACT_REQUEST = Rule("contact_request", _re(
    r"联系人", r"聯繫人", r"联系方式", r"聯繫方式", r"手机号", r"手機號", r"手机[:：]", r"联系我们", r"聯繫我們",
    r"商务合作", r"商務合作", r"广告合作", r"廣告合作", r"招商", r"租售", r"投稿邮箱", r"投稿郵箱",
    r"(邮箱|郵箱|E-?mail)\s*[:：]", r"[\w.+-]+@[\w-]+(\.[\w-]+)+", r"QQ\s*[:：]?\s*\d{5,}",
), strong=False, max_len=80)

DEFAULT_RULES: tuple[Rule, ...] = (
    DISCLAIMER, COPYRIGHT, REPRINT, ICP, CORRECTION, EDITOR_TRAILER, HOTLINE, CONTACT_NUMBER, WECHAT, CONTACT_REQUEST,
)

# Up to this many short unmatched lines may sit between matched lines of the footer zone.
BRIDGE_MAX = 2
BRIDGE_MAX_LEN = 30


def with_learned_lines(lines, rules: tuple[Rule, ...] = DEFAULT_RULES, name: str = "source_template") -> tuple[Rule, ...]:
    """``rules`` plus an exact-line rule for template lines learned from one source."""
    return tuple(rules) + (Rule(name, None, strong=True, max_len=10_000, anywhere_max_len=10_000,
                                lines=frozenset(lines)),)
