"""Which provinces, prefecture-level cities and districts an article is about.

The gazetteer is ``data/adcodes.csv`` (China's administrative divisions with their
12-digit codes, from the cpca package, MIT; see ``data/SOURCES.md``) plus
``data/areas.tsv`` (well-known areas such as 临港新片区 or 雄安新区 that are not divisions).

Rules that keep false hits down:

* a place counts only when it is a whole token of the jieba segmentation (the tokenizer
  knows every gazetteer name), so 海城市 is not found inside 沿海城市 nor 长治 inside 长治久安;
* provinces and prefecture-level cities count by full name (山西省, 太原市) or by their
  well-known short name (山西, 太原); districts and counties count only by full name
  (小店区, 忻府区) and only when three characters or longer;
* short city names that are common words or other entities (安康, 来宾, 阿里, 中山 …,
  ``data/region_stop.txt``) count only in full;
* a name shared by several places (鼓楼区, 朝阳区) is resolved by the other places the article
  names, and dropped when it cannot be;
* a city maps to its province, a district to its city and province.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Iterable

_NATIONS = (
    "汉族 蒙古族 回族 藏族 维吾尔族 苗族 彝族 壮族 布依族 朝鲜族 满族 侗族 瑶族 白族 土家族 哈尼族 哈萨克族 傣族 黎族 "
    "傈僳族 佤族 畲族 拉祜族 水族 东乡族 纳西族 景颇族 柯尔克孜族 土族 达斡尔族 仫佬族 羌族 布朗族 撒拉族 毛南族 仡佬族 "
    "锡伯族 阿昌族 普米族 塔吉克族 怒族 乌孜别克族 俄罗斯族 鄂温克族 德昂族 保安族 裕固族 京族 塔塔尔族 独龙族 鄂伦春族 "
    "赫哲族 门巴族 珞巴族 基诺族 高山族"
).split()
_PROVINCE_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市")
_CITY_SUFFIXES = ("市", "地区", "盟")
# Names that are placeholders in the code list, or too generic to mean one place.
_GENERIC = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划", "城区", "郊区", "矿区", "新区", "市中区", "开发区", "高新区"}
_MUNICIPALITIES = {"11", "12", "31", "50"}


@dataclass(frozen=True)
class Place:
    adcode: str
    name: str
    level: str  # province, city or district
    province: str
    city: str | None
    district: str | None

    @property
    def province_code(self) -> str:
        return self.adcode[:2]

    @property
    def city_code(self) -> str:
        return self.adcode[:4]


@dataclass(frozen=True)
class RegionMention:
    province: str
    city: str | None
    district: str | None
    adcode: str
    mentions: int


def _data(name: str) -> str:
    return resources.files("aggregator.relate").joinpath("data", name).read_text(encoding="utf-8")


def province_short(name: str) -> str:
    if name.startswith("内蒙古"):
        return "内蒙古"
    for suf in _PROVINCE_SUFFIXES:
        if name.endswith(suf) and len(name) - len(suf) >= 2:
            return name[: -len(suf)]
    return name


def city_short(name: str) -> str | None:
    """Well-known short form of a prefecture's name: 太原市 → 太原, 延边朝鲜族自治州 → 延边."""
    if name.endswith("自治州"):
        cut = min((name.find(n) for n in _NATIONS if n in name), default=-1)
        short = name[:cut] if cut > 0 else None
        return short if short and len(short) >= 2 else None
    for suf in _CITY_SUFFIXES:
        if name.endswith(suf) and len(name) - len(suf) >= 2:
            return name[: -len(suf)]
    return None


class Gazetteer:
    def __init__(self, adcodes_csv: str, areas_tsv: str = "", stop_text: str = ""):
        rows = []
        for rec in csv.DictReader(io.StringIO(adcodes_csv)):
            code, name = rec["adcode"].strip(), rec["name"].strip()
            if len(code) == 12 and name:
                rows.append((code, name))
        provinces = {c[:2]: n for c, n in rows if c[2:] == "0" * 10}
        cities = {c[:4]: n for c, n in rows if c[2:] != "0" * 10 and c[4:] == "0" * 8 and n not in _GENERIC}
        stop = {l.strip() for l in stop_text.splitlines() if l.strip() and not l.startswith("#")}
        self.places: dict[str, Place] = {}
        self.names: dict[str, list[Place]] = {}
        for code, name in rows:
            if name in _GENERIC:
                continue
            prov = provinces.get(code[:2])
            if prov is None:
                continue
            if code[2:] == "0" * 10:
                place = Place(code, name, "province", prov, prov if code[:2] in _MUNICIPALITIES else None, None)
                self._add(name, place)
                self._add(province_short(name), place)
            elif code[4:] == "0" * 8:
                place = Place(code, name, "city", prov, name, None)
                self._add(name, place)
                short = city_short(name)
                if short and short not in stop:
                    self._add(short, place)
            else:
                if code[:2] in _MUNICIPALITIES:
                    city = prov
                elif code[2:4] == "90":  # county-level city governed by the province (仙桃市, 济源市)
                    city = name
                else:
                    city = cities.get(code[:4])
                place = Place(code, name, "district", prov, city, name if city != name else None)
                if len(name) >= 3:
                    self._add(name, place)
                if code[2:4] == "90":
                    short = city_short(name)
                    if short and short not in stop:
                        self._add(short, place)
            self.places[code] = place
        # areas that are not divisions
        self.context_names: set[str] = set()
        for line in areas_tsv.splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.split("\t")
            name, code = parts[0].strip(), parts[1].strip()
            target = self.places.get(code)
            if target is None:
                continue
            self._add(name, target)
            if len(parts) > 2 and parts[2].strip() == "province":
                self.context_names.add(name)

    @property
    def prefixes(self) -> set[str]:
        """Proper prefixes of the names (for joining split tokens)."""
        p = self.__dict__.get("_prefixes")
        if p is None:
            p = {name[:k] for name in self.names for k in range(1, len(name))}
            self.__dict__["_prefixes"] = p
        return p

    def _add(self, name: str, place: Place) -> None:
        lst = self.names.setdefault(name, [])
        if place not in lst:
            lst.append(place)

    def _split(self, token: str) -> list[str] | None:
        """A token that is wholly a run of place names (山西太原) split into them."""
        n = len(token)
        best: list[list[str] | None] = [None] * (n + 1)
        best[0] = []
        for i in range(n):
            if best[i] is None:
                continue
            for j in range(i + 2, min(n, i + 12) + 1):
                if token[i:j] in self.names and (best[j] is None or len(best[j]) > len(best[i]) + 1):
                    best[j] = best[i] + [token[i:j]]
        return best[n] if best[n] and len(best[n]) > 1 else None

    def dictionary_words(self) -> list[str]:
        """Every name the matcher looks for (added to the tokenizer's dictionary)."""
        return sorted(self.names)

    def find(self, tokens: Iterable[str]) -> list[RegionMention]:
        """Places named in a token sequence (jieba's segmentation, punctuation included)."""
        names, prefixes = self.names, self.prefixes
        toks: list[str] = []
        for t in tokens:
            if not t or t.isspace():
                continue
            parts = self._split(t) if len(t) >= 4 and t not in names else None
            if parts:
                toks.extend(parts)
            else:
                toks.append(t)
        hits: list[str] = []
        n = len(toks)
        # Only a name or the start of one can begin a hit: visit just those positions
        # (most tokens of an article are neither), in order, skipping what a join consumed.
        starts = self.__dict__.get("_starts")
        if starts is None:
            starts = self.__dict__["_starts"] = prefixes | names.keys()
        resume = 0
        for i in [k for k, tok in enumerate(toks) if tok in starts]:
            if i < resume:
                continue
            tok = toks[i]
            if tok in prefixes:  # a name the segmenter split: 太原 + 市 → 太原市
                joined = tok
                found = None
                for j in range(i + 1, min(n, i + 3)):
                    joined += toks[j]
                    if joined in names:
                        found = (joined, j + 1)
                    if joined not in prefixes:
                        break
                if found:
                    hits.append(found[0])
                    resume = found[1]
                    continue
            if tok in names:
                hits.append(tok)
        if not hits:
            return []
        # unambiguous places first: they give the context that resolves the others
        sure = [self.names[h][0] for h in hits if len(self.names[h]) == 1]
        ctx_prov = {p.province_code for p in sure}
        # provinces named by something other than a context-dependent area name (临港)
        named_prov = {self.names[h][0].province_code for h in hits if len(self.names[h]) == 1 and h not in self.context_names}
        ctx_city = {p.city_code for p in sure if p.level != "province"}
        counts: Counter[Place] = Counter()
        for h in hits:
            cands = self.names[h]
            if len(cands) > 1:
                in_city = [p for p in cands if p.city_code in ctx_city]
                in_prov = [p for p in cands if p.province_code in ctx_prov]
                cands = in_city if len(in_city) == 1 else in_prov if len(in_prov) == 1 else []
                if not cands:
                    continue
            place = cands[0]
            if h in self.context_names and place.province_code not in named_prov:
                continue
            counts[place] += 1
        out = [
            RegionMention(p.province, p.city, p.district if p.level == "district" else None, p.adcode, n)
            for p, n in counts.items()
        ]
        out.sort(key=lambda r: (-r.mentions, r.adcode))
        return out


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    return Gazetteer(_data("adcodes.csv"), _data("areas.tsv"), _data("region_stop.txt"))


def find_regions(title: str, body: str) -> list[RegionMention]:
    """Places an article names, most mentioned first."""
    from aggregator.relate.text import segment

    return gazetteer().find(segment(title or "") + ["\n"] + segment(body or ""))
