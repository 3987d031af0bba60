"""Masking of personal data in what a consumer wrote, free of I/O.

Numbers have fixed shapes and are found reliably: mainland mobiles, landlines with an area code,
and long digit runs (ID cards, bank cards). Full-width digits and signs (１３８－…, ＋86) are
read as their ASCII forms, so either way of typing is masked; kept digits come out in ASCII.

Personal names are NOT found reliably. Chinese has no spaces or capitals to mark a name, so only
two common shapes are masked: a name before an honorific (王先生, 李小姐, 张师傅) and a
self-introduction (我叫王小明, 我是王小明, 我姓王). A name written any other way (王小明说…,
a pinyin or Latin name, a name in a nickname) passes through unchanged, a three-character name
before an honorific keeps its first character (张三丰女士 → 张*女士), and some ordinary words are
masked by mistake (服务员小姐 may lose a character). Publishing only consented text, and only as
a summary, remains the real protection.
"""
import re

# One character for one character, so positions found in the ASCII reading hold in the original.
_ASCII_READING = str.maketrans("０１２３４５６７８９＋－（）\u3000", "0123456789+-() ")

MOBILE = re.compile(
    r"(?<![0-9])(?P<prefix>(?:\+?86[- ]?)?)(?P<head>1[3-9][0-9])[- ]?[0-9]{4}[- ]?"
    r"(?P<tail>[0-9]{4})(?![0-9])")
# Area codes starting 01/02 have three digits (010, 021), the others four (0571); local numbers
# never start with 0 or 1.
LANDLINE = re.compile(
    r"(?<![0-9])(?P<area>\(?0(?:[12][0-9]|[3-9][0-9]{2})\)?)(?P<separator>[- ]?)"
    r"(?P<local>[2-9][0-9]{6,7})(?![0-9])")
# ID cards (18 characters, the last may be X; 15 on old cards) and bank cards (16-19 digits).
LONG_NUMBER = re.compile(r"(?<![0-9])[0-9]{14,}[0-9Xx](?![0-9])")

_HAN = "[\u4e00-\u9fff]"
# Characters that usually stand just before a name rather than in it (那位王先生, 和李女士).
_NOT_IN_NAME = "的位个名是叫给和跟与找向对让被把这那该请问等及同了们员系诉说称"
_NAME_CHARACTER = f"(?:(?![{_NOT_IN_NAME}]){_HAN})"
HONORIFIC_NAME = re.compile(f"{_NAME_CHARACTER}{{1,2}}(?P<title>先生|女士|小姐|师傅|老师)")
# What commonly follows 我是/我叫 and is not a name (我是消费者, 我叫了外卖).
_NOT_A_NAME = ("了", "在", "来", "去", "从", "被", "想", "要", "不", "这", "那", "该", "第", "说",
               "他", "她", "一", "本地", "外地", "消费者", "顾客", "客户", "会员", "业主", "家长",
               "学生", "店", "外卖", "老板", "客服", "服务员", "因为", "为了", "今天", "昨天")
_NAME_FOLLOWS = f"(?!{'|'.join(_NOT_A_NAME)})"
SELF_INTRODUCTION = re.compile(f"(?P<intro>我叫|名叫|我是){_NAME_FOLLOWS}{_HAN}{{2,3}}")
SURNAME_GIVEN = re.compile(f"(?P<intro>我姓){_NAME_FOLLOWS}{_HAN}{{1,2}}")


def mask_text(text):
    """``text`` with long numbers, phone numbers and the recognisable personal names masked."""
    if not text:
        return text
    return mask_person_names(mask_phone_numbers(mask_long_numbers(text)))


def mask_phone_numbers(text):
    """Mobiles keep their first 3 and last 4 digits (138****8000, also with +86 or separators);
    landlines keep the area code and the last 2 digits (0571-******21)."""
    text = _substitute(MOBILE, text, _masked_mobile)
    return _substitute(LANDLINE, text, _masked_landline)


def mask_long_numbers(text):
    """Runs of 15 or more digits (ID and bank card numbers) keep only their last 4 characters."""
    return _substitute(LONG_NUMBER, text, lambda match: _keep_last(match.group(), 4))


def mask_person_names(text):
    """王先生 → *先生, 我叫王小明 → 我叫**, 我姓王 → 我姓*; see the module's limits."""
    text = _substitute(HONORIFIC_NAME, text, lambda match: "*" + match["title"])
    text = _substitute(SELF_INTRODUCTION, text, lambda match: match["intro"] + "**")
    return _substitute(SURNAME_GIVEN, text, lambda match: match["intro"] + "*")


def mask_phone(phone):
    """A phone field on its own, for the merchant's view of a complaint: 138****8000.

    An unrecognised shape keeps only its last 2 digits, so nothing unmasked slips through."""
    if not phone:
        return phone
    reading = phone.strip().translate(_ASCII_READING)
    for pattern, masked in ((MOBILE, _masked_mobile), (LANDLINE, _masked_landline)):
        match = pattern.fullmatch(reading)
        if match:
            return masked(match)
    return _keep_last(reading, 2)


def _masked_mobile(match):
    return f"{match['prefix']}{match['head']}****{match['tail']}"


def _masked_landline(match):
    local = match["local"]
    return f"{match['area']}{match['separator']}{_keep_last(local, 2)}"


def _keep_last(number, kept):
    """Every digit (and a final X) but the last ``kept`` characters replaced by *."""
    head, tail = number[:-kept], number[-kept:]
    return re.sub(r"[0-9Xx]", "*", head) + tail


def _substitute(pattern, text, replacement):
    """``text`` with every match of ``pattern`` (found in its ASCII reading) replaced."""
    reading = text.translate(_ASCII_READING)
    pieces, last = [], 0
    for match in pattern.finditer(reading):
        pieces += [text[last:match.start()], replacement(match)]
        last = match.end()
    pieces.append(text[last:])
    return "".join(pieces)
