"""Masking of personal data in what a consumer wrote, free of I/O.

Numbers and handles have fixed shapes and are found by patterns: mainland mobiles, landlines
with an area code, ID card and bank card numbers (also in groups: 6222 0212 3456 7890), e-mail
addresses, WeChat ids after 微信(号)/vx/wx, licence plates (浙A12345, 浙A·D12345) and room
numbers (3-2-501室, 12栋1单元502, 501室, 1208房间). Full-width digits and signs (１３８－…,
＋86) are read as their ASCII forms, so either way of typing is masked.

Personal names have no shape of their own, so they are found with jieba's part-of-speech tagger
(words tagged ``nr``) and rules around it: a name after a word for staff or family
(店员张三, 我妈刘桂芳, 负责人叫…), a surname before a title (王先生, 张三丰女士, 钱经理),
小王/老李, and names listed together (张伟、李娜和王芳). A name the tagger does not know, or a
rare three-character one from its dictionary (刘建军), counts wherever it starts with a surname;
a dictionary name that is also an ordinary word (华为, 刘海, 李子, 顾客) only in such a context.
docs/masking.md gives the recall measured on tests/data/masking_sentences.jsonl (about 96 % of
names there, nearer 80 % on text the rules were not tuned on) and the known misses (names that
are common words, famous names outside any context, nicknames after 的, foreign names).
Publishing only consented text, and only as a summary, remains the real protection.
"""
import logging
import re
import threading
import warnings
from collections import namedtuple
from functools import lru_cache

from contracts.phones import (
    ASCII_READING,
    LANDLINE,
    MOBILE,
    keep_last,
    masked_landline,
    masked_mobile,
)

# --- numbers ----------------------------------------------------------------------------------

# ID cards (18 characters, the last may be X; 15 on old cards; or 6-8-4 in groups) and bank
# cards (16-19 digits, or in groups of four).
LONG_NUMBER = re.compile(
    r"(?<![0-9])(?:[0-9]{14,}[0-9Xx]|[0-9]{6}[ -][0-9]{8}[ -][0-9]{3}[0-9Xx]"
    r"|[0-9]{4}(?:[ -][0-9]{4}){3}(?:[ -][0-9]{1,3})?)(?![0-9])")

# --- handles ----------------------------------------------------------------------------------

EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])(?P<local>[A-Za-z0-9][A-Za-z0-9._%+-]*)@"
    r"(?P<domain>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})")
# A WeChat id is 6-20 letters, digits, _ and -, starting with a letter; found after its label.
WECHAT = re.compile(
    r"(?P<label>(?:微信|威信|[VvWw] ?[Xx])(?:号|ID|id)?[ :：]*(?:是|为)?[ :：]*)?"
    r"(?<![A-Za-z0-9_-])(?P<id>(?(label)[A-Za-z][A-Za-z0-9_-]{5,19}|wxid_[A-Za-z0-9_-]{4,}))"
    r"(?![A-Za-z0-9_-])")
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
# Ordinary plates have 5 characters after the city letter, new-energy ones 6 (D/F first or
# last); I and O are never used.
PLATE = re.compile(
    f"(?P<city>[{_PROVINCES}][A-HJ-NP-Z])(?P<separator>[·•・.\\- ]?)"
    r"(?P<number>(?=[A-Z]{0,5}[0-9])[A-HJ-NP-Z0-9]{5,6})(?![A-Za-z0-9])")
_BUILDING = r"(?:[0-9]{1,3}(?:栋|幢|号楼|座)|[A-Z]座)"
_UNIT = r"(?:[0-9]{1,2}单元)"
# A bare 3-4 digit number is a room only before 室/房 (501室, 1208房间, 1506和1508两个房间).
ROOM = re.compile(
    r"(?<![0-9A-Za-z])(?:[0-9]{1,3}-[0-9]{1,2}-[0-9]{3,4}"
    f"|{_BUILDING}{_UNIT}?[0-9]{{3,4}}|{_UNIT}[0-9]{{3,4}}"
    r"|[0-9]{3,4}(?=(?:[和、与及][0-9]{3,4})*(?:两个|[二三四]个)?号?(?:室|房))"
    r"|(?<=房间号)[0-9]{3,4}|(?<=房号)[0-9]{3,4})(?![0-9])")

# --- names ------------------------------------------------------------------------------------

_COMPOUND_SURNAMES = (
    "欧阳", "司马", "诸葛", "上官", "慕容", "东方", "皇甫", "令狐", "公孙", "夏侯", "尉迟",
    "长孙", "宇文", "端木", "南宫", "司徒", "西门", "独孤", "申屠", "轩辕", "呼延", "钟离")
# The common surnames, less those that are mostly other words (和, 都, 那, 公, 师, 时, …).
_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜"
    "叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史"
    "陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷"
    "詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂苗谷盛曲翁冉骆蓝路游辛靳管"
    "柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳穆农卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫"
    "米柏宗瞿桂佟应臧闵苟邬边卞姬仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘查苑迟邝谈匡鞠惠荆"
    "乐冀郁胥储栗燕楚鄢劳谌奚皮粟冼蔺楼闻厉伊仝郜阚权帅屠朴廉禹祖漆巴丰卿狄晋初扈晁芮阙戈"
    "鹿薄邸雍辜裘亓邰赫杭逯隆茹诸慕嵇湛宾戎茅揭尉冶檀昝智幸奉衡富尧")
TITLES = ("先生", "女士", "小姐", "师傅", "老师", "经理", "总监", "主管", "主任", "店长", "校长",
          "院长", "园长", "馆长", "厂长", "科长", "队长", "组长", "部长", "医生", "大夫", "护士长",
          "教练", "律师", "警官", "老板", "掌柜", "阿姨", "叔叔", "大姐", "大哥", "大爷", "大妈",
          "姐", "哥", "总")
# Words after which a name is written: staff, family, the one who writes, and a form's labels.
_STAFF = (
    "店员", "服务员", "收银员", "售货员", "理货员", "营业员", "导购", "前台", "客服", "店长",
    "店主", "老板娘", "老板", "经理", "主管", "领班", "厨师长", "厨师", "师傅", "教练", "私教",
    "老师", "班主任", "校长", "讲师", "顾问", "销售人员", "销售", "业务员", "推销员", "技师",
    "理发师", "发型师", "美容师", "美甲师", "设计师", "摄影师", "验光师", "蛋糕师", "医生", "护士",
    "护工", "保安", "保洁", "司机", "快递员", "骑手", "送货员", "配送员", "维修工", "维修员",
    "工程师", "管家", "中介", "房东", "代购", "卖家", "主播", "负责人", "经办人", "经手人",
    "工作人员", "员工", "人员", "院长", "馆长", "总监", "专员", "收费员", "管理员", "救生员",
    "队长", "主任", "店家", "商家", "车商", "车主", "业主", "策划", "代理人", "经纪人", "导游",
    "领队", "会计", "出纳", "助理", "主持人", "调解员", "检票员", "售票员", "乘务员", "安装工",
    "装修工", "水电工", "护理员", "月嫂", "保姆", "家教", "辅导员", "开户人", "户名", "持卡人",
    "联系人", "收件人", "姓名", "全名", "当事人")
_FAMILY = (
    "我妈妈", "我爸爸", "妈妈", "爸爸", "我妈", "我爸", "母亲", "父亲", "老公", "老婆", "丈夫",
    "妻子", "爱人", "儿子", "女儿", "孩子", "婆婆", "公公", "岳父", "岳母", "爷爷", "奶奶", "外公",
    "外婆", "姥姥", "姥爷",
    "叔叔", "阿姨", "舅舅", "姑姑", "姨妈", "小姨", "我姐", "我哥", "姐姐", "哥哥", "弟弟", "妹妹",
    "侄子", "侄女", "外甥", "孙子", "孙女", "女婿", "儿媳", "媳妇", "闺女", "表哥", "表姐", "表弟",
    "表妹", "堂哥", "堂姐", "嫂子", "姐夫", "妹夫", "舅妈", "伯伯", "大伯", "婶婶", "同事", "朋友",
    "同学", "邻居", "家长", "他爸", "他妈")
_INTRODUCTIONS = ("我叫", "名叫", "叫", "我是", "我姓", "姓")
_NAME_BEFORE = re.compile(
    "(?:" + "|".join(sorted(_STAFF + _FAMILY + _INTRODUCTIONS, key=len, reverse=True)) + ")"
    "(?:叫|是|为)?[：: ]*")
_TITLE = re.compile("|".join(TITLES))
# Names written one after another: 张伟、李娜和王芳.
_NAME_JOINER = re.compile("[、,，和与及跟]")
# Characters that stand next to a name rather than in it (那位王先生, 张三说, 刘洋都…).
_NOT_IN_NAME = frozenset("的位个名是叫给和跟与找向对让被把这那该请问等及同了们员系诉说称也都就还"
                         "在不很又才从到去来要会能已只时却再并")
# Tags of a word that is not a given name (拒绝/v, 一直/d, 上周/t …), and how often the
# dictionary must have seen a word for it to count as that word rather than a name (马上 2306,
# 高兴 5387, 白菜 221; the names 付强 3, 欣怡 2, 婷婷 3).
_NOT_NAME_TAGS = ("v", "d", "p", "c", "u", "r", "t", "f", "q", "y", "e", "x", "l", "i", "b", "m")
_COMMON_WORD = 100
_HAN = re.compile("[\u4e00-\u9fff]+")
# A word of three characters that the dictionary tags as a name and has seldom seen is mostly a
# person (刘建军 3, 林徽因 3; 4 in 5 of them are seen under 10 times), one it has seen often is
# as often a word (连衣裙 61, 安全带 70, 黄金周 1407); not if it ends as a place does (王府井,
# 罗家庄) or is one of these brands.
_RARE_WORD = 10
_PLACE_ENDINGS = frozenset("井界庄村屯镇乡县市区州郡河湖江海港湾山岭峰岛桥路街巷道楼门寺庙宫园")
_BRANDS = frozenset(("周大福", "周生生", "王老吉", "张小泉", "李锦记", "马应龙"))
_LATIN_NAME = re.compile(r"[A-Z][a-z]{1,11}(?![A-Za-z])")

Token = namedtuple("Token", "word flag start end")
Name = namedtuple("Name", "start end masked")

_tagger = None
_loading = threading.Lock()


def mask_text(text):
    """``text`` with numbers, handles and the personal names it holds masked."""
    if not text:
        return text
    return _masked_text(text)


@lru_cache(maxsize=1024)
def _masked_text(text):
    """Kept for the texts masked last: a disclosure masks the same summaries again and again,
    and a description of 2,000 characters takes the tagger about 0.1 s."""
    return mask_person_names(mask_handles(mask_phone_numbers(mask_long_numbers(text))))


def mask_phone_numbers(text):
    """Mobiles keep their first 3 and last 4 digits (138****8000, also with +86 or separators);
    landlines keep the area code and the last 2 digits (0571-******21)."""
    text = _substitute(MOBILE, text, masked_mobile)
    return _substitute(LANDLINE, text, masked_landline)


def mask_long_numbers(text):
    """ID and bank card numbers keep only their last 4 characters."""
    return _substitute(LONG_NUMBER, text, lambda match: keep_last(match.group(), 4))


def mask_handles(text):
    """E-mails keep their first letter and domain (c***@163.com); WeChat ids become ***;
    plates keep the city (浙A·*****); room numbers lose their digits (*-*-***室)."""
    text = _substitute(EMAIL, text, lambda match: f"{match['local'][0]}***@{match['domain']}")
    text = _substitute(WECHAT, text, lambda match: f"{match['label'] or ''}***")
    text = _substitute(PLATE, text, lambda match: match["city"] + match["separator"]
                       + "*" * len(match["number"]))
    return _substitute(ROOM, text, lambda match: re.sub("[0-9A-Z]", "*", match.group()))


def mask_person_names(text):
    """张三 → **, 王先生 → *先生, 小王 → 小*; see the module's limits."""
    if not text or not _HAN.search(text):
        return text
    pieces, last = [], 0
    for name in person_names(text):
        pieces += [text[last:name.start], name.masked]
        last = name.end
    pieces.append(text[last:])
    return "".join(pieces)


def person_names(text):
    """The personal names in ``text``, as ``Name(start, end, masked)`` in order, not overlapping."""
    tokens = _tokens(text)
    by_start = {token.start: token for token in tokens}
    boundaries = {token.start for token in tokens} | {len(text)}
    names = _titled_names(text, by_start, boundaries)
    names.update(_names_after_words(text, by_start, boundaries))
    names.update(_tagged_names(text, tokens, names))
    names.update(_listed_names(text, tokens, names))
    return _without_overlaps(names.values())


# --- names: the rules -------------------------------------------------------------------------

def _titled_names(text, by_start, boundaries):
    """A surname, or a full name, just before a title: 王先生, 欧阳女士, 张三丰女士."""
    names = {}
    for title in _TITLE.finditer(text):
        for start in range(max(title.start() - 4, 0), title.start()):
            if start in boundaries and _is_name(text, by_start, start, title.start()):
                names[start] = _name(text, start, title.start())
                break
    return names


def _names_after_words(text, by_start, boundaries):
    """A name just after a word for staff or family (店员张三, 我妈刘桂芳, 客服小美, 理发师Tony,
    我姓王) or after a surname the tagger split off and called a name (孙/nr 立新)."""
    names = {}
    for start in _tagged_surnames(by_start):
        end = _name_end(text, by_start, boundaries, start)
        if end > start + 1:
            names[start] = _name(text, start, end)
    for word in _NAME_BEFORE.finditer(text):
        if word.group().endswith("姓"):
            end = word.end() + _surname_length(text[word.end():word.end() + 2])   # 我姓王
        else:
            end = _name_end(text, by_start, boundaries, word.end())
        if end > word.end():
            names[word.end()] = _name(text, word.end(), end)
    return names


def _tagged_names(text, tokens, found):
    """Words the tagger calls names (nr) that start with a surname and are not in its dictionary
    (张三, 李小红): the dictionary's own nr words are often other words (华为, 刘海, 顾客). A
    given name it tags after a surname it split off counts too (黄/丽丽, 商秦/海涛)."""
    names = {}
    for token in tokens:
        if not token.flag.startswith("nr") or token.start in found:
            continue
        start = _surname_before(text, token)
        word = text[start:token.end]
        if _surname_length(word) and 2 <= len(word) <= 4 and not _verb_after_surname(word) \
                and (not _known_word(word) or _is_dictionary_person(word)):
            names[start] = Name(start, token.end, _masked(word))
    return names


def _is_dictionary_person(word):
    """刘建军, 欧阳修: a surname and two given characters, not a place or a brand."""
    return (len(word) == _surname_length(word) + 2 and _frequency(word) < _RARE_WORD
            and word[-1] not in _PLACE_ENDINGS and word not in _BRANDS)


def _surname_before(text, token):
    """Where the name that ``token`` (a given name?) ends starts: at a surname just before it."""
    if len(token.word) == 1 or (len(token.word) == 2 and not _surname_length(token.word)
                                and _frequency(token.word) < _COMMON_WORD):  # 丽丽; not 师傅
        for length in (2, 1):
            if _surname_length(text[token.start - length:token.start]) == length:
                return token.start - length
    return token.start


def _verb_after_surname(word):
    """汤洒, 黄焖: a surname character and a verb the tagger took for a name."""
    if len(word) != 2 or _surname_length(word) != 1:
        return False
    return load_segmenter().word_tag_tab.get(word[1], "").startswith(("v", "d", "p", "c", "u"))


def _listed_names(text, tokens, found):
    """Tagged names joined to a found one by 、/和/与: 杨光、赵丽和孙小军."""
    names = {}
    for token in tokens:
        if token.flag.startswith("nr") and _surname_length(token.word) and token.start not in found:
            before, after = text[token.start - 1:token.start], text[token.end:token.end + 1]
            joined = [name for name in found.values()
                      if (name.end == token.start - 1 and _NAME_JOINER.match(before))
                      or (name.start == token.end + 1 and _NAME_JOINER.match(after))]
            if joined:
                names[token.start] = Name(token.start, token.end, _masked(token.word))
    return names


def _tagged_surnames(by_start):
    """Where the tagger split off a surname and called it a name: 孙/nr 立新, 王/nr 德福."""
    return [token.start for token in by_start.values()
            if token.flag.startswith("nr") and len(token.word) == 1 and _surname_length(token.word)]


def _name_end(text, by_start, boundaries, start):
    """Where a name starting at ``start`` ends (``start`` if none does): a surname and two
    given characters ending on a word boundary, or one given character before a boundary or
    a character that is no part of a name (张三拒绝, 董明说), 小王, 小美, 晓晓, or a Latin first
    name. A surname before a title is left to the title rule."""
    latin = _LATIN_NAME.match(text, start)
    if latin:
        return latin.end()
    surname = _surname_length(text[start:start + 2])
    if surname and not _TITLE.match(text, start + surname):
        end = start + surname + 2
        if end in boundaries and _is_name(text, by_start, start, end):
            return end
        end -= 1
        if (end in boundaries or text[end:end + 1] in _NOT_IN_NAME) \
                and _is_name(text, by_start, start, end):
            return end
    if start + 2 in boundaries and _is_nickname(text[start:start + 2], by_start.get(start)):
        return start + 2
    return start


def _is_name(text, by_start, start, end):
    """Whether text[start:end] reads as a surname and at most two given characters."""
    candidate = text[start:end]
    surname = _surname_length(candidate)
    if not surname or len(candidate) > surname + 2 or not _HAN.fullmatch(candidate):
        return False
    given = candidate[surname:]
    if any(character in _NOT_IN_NAME for character in given) or _TITLE.match(given):
        return False
    return _starts_a_name(by_start.get(start), candidate, surname) and not (
        _is_common_word(by_start.get(start + surname), given, _NOT_NAME_TAGS)
        or _is_common_word(by_start.get(end - 1), given[-1:], _NOT_NAME_TAGS))


def _starts_a_name(first, candidate, surname):
    """Whether the word found at the candidate's start can begin a name: the surname alone (not
    as a preposition: 向王先生), a tagged name, or the candidate itself if no common word
    (马上, 黄金 are not names; 房东葛大爷 does not start with a name)."""
    if first is None:
        return True
    if len(first.word) == 1:
        return not first.flag.startswith(("p", "c", "u"))
    if first.word == candidate:
        return len(candidate) == surname or not _is_common_word(first, candidate)
    if len(candidate) == surname and first.word[surname:] in TITLES:
        return True   # 雷姐 as one word
    return first.flag.startswith("nr") or len(first.word) == surname


def _is_common_word(token, word, tags=None):
    """Whether ``token`` is ``word`` and the dictionary knows it well as something else than a
    name (马上/d, 黄金/n; with ``tags`` only as those: 明说/v, but not 大海/ns), a single
    character only by the tag (把/p, 拿/v)."""
    if not token or token.word != word or token.flag.startswith("nr"):
        return False
    if tags and not token.flag.startswith(tags):
        return False
    return len(word) == 1 or _frequency(word) >= _COMMON_WORD


def _is_nickname(word, token):
    """小王, 老李 (a surname after 小/老), or 小美, 阿杰, 晓晓 if no common word (小姐, 天天)."""
    if not _HAN.fullmatch(word) or len(word) != 2:
        return False
    if word[0] in "小老" and word[1] in _SURNAMES and word[1] not in _NOT_IN_NAME:
        return True
    if word[0] in "小阿" or word[0] == word[1]:
        return not _is_common_word(token, word) and _frequency(word) < _COMMON_WORD
    return False


def _surname_length(word):
    if word.startswith(_COMPOUND_SURNAMES):
        return 2
    return 1 if word[:1] in _SURNAMES else 0


def _name(text, start, end):
    return Name(start, end, _masked(text[start:end]))


def _masked(name):
    """A surname alone → *, 小王 → 小*, any other name → ** (its length is not told)."""
    if name[0] in "小老阿" and len(name) == 2:
        return name[0] + "*"
    return "*" if len(name) == _surname_length(name) else "**"


def _without_overlaps(names):
    """The names by position, the earlier (then the longer) one kept where two overlap."""
    kept = []
    for name in sorted(names, key=lambda name: (name.start, -name.end)):
        if not kept or name.start >= kept[-1].end:
            kept.append(name)
    return kept


# --- names: the segmenter ---------------------------------------------------------------------

def _tokens(text):
    """jieba's words of ``text`` with their part-of-speech tags and positions."""
    tokens, position = [], 0
    for pair in load_segmenter().cut(text):
        tokens.append(Token(pair.word, pair.flag, position, position + len(pair.word)))
        position += len(pair.word)
    return tokens


def _known_word(word):
    """Whether jieba's dictionary holds ``word`` as a word of its own."""
    return _frequency(word) > 0


def _frequency(word):
    """How often jieba's dictionary saw ``word`` (0 for a word it does not hold)."""
    return load_segmenter().tokenizer.FREQ.get(word) or 0


def load_segmenter():
    """jieba's part-of-speech tagger, loaded on first use: 1-2 s and about 180 MiB, so a
    service that masks names may call this at its start rather than in its first request."""
    global _tagger
    with _loading:
        if _tagger is None:
            _tagger = _load_segmenter()
    return _tagger


def _load_segmenter():
    with warnings.catch_warnings():
        # jieba 0.42.1 imports pkg_resources, which warns that it is deprecated.
        warnings.filterwarnings("ignore", category=UserWarning, message=".*pkg_resources")
        import jieba
        import jieba.posseg
    jieba.setLogLevel(logging.WARNING)
    tagger = jieba.posseg.POSTokenizer(jieba.Tokenizer())
    tagger.tokenizer.initialize()
    return tagger


# --- the substitutions ------------------------------------------------------------------------

def _substitute(pattern, text, replacement):
    """``text`` with every match of ``pattern`` (found in its ASCII reading) replaced."""
    reading = text.translate(ASCII_READING)
    pieces, last = [], 0
    for match in pattern.finditer(reading):
        pieces += [text[last:match.start()], replacement(match)]
        last = match.end()
    pieces.append(text[last:])
    return "".join(pieces)
