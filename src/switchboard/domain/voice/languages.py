"""The TTS languages: the API's language codes (V7) and what espeak-ng speaks for them.

``language`` is one of the codes below (case-insensitive): the newer V7 set (``EN``, ``HI``, ``NL`` ...),
the older set (``VN``, ``JP``, ``ARB``, ``IN``, ``KR``, ``IDN``, ``BD`` ...), or a plain ISO 639-1 code.
``auto`` (beyond the docs) detects the language from the text. ``accent`` (a country calling code) picks a
regional voice where espeak-ng has one, e.g. ``EN`` + ``44`` is British English. ``ssmlGender`` 1 is a male
voice variant, 2 (the default) a female one.
"""

from __future__ import annotations

# API code -> espeak-ng voice (None: a documented code that espeak-ng 1.51 cannot speak).
CODES: dict[str, str | None] = {
    # newer V7 table
    "AR": "ar",
    "BAS": "eu",
    "CA": "ca",
    "GL": None,
    "BN": "bn",
    "GU": "gu",
    "HI": "hi",
    "KN": "kn",
    "ML": "ml",
    "MR": "mr",
    "PA": "pa",
    "TA": "ta",
    "BG": "bg",
    "CS": "cs",
    "DA": "da",
    "NL": "nl",
    "EN": "en-us",
    "TL": None,
    "FI": "fi",
    # older code set
    "VN": "vi",
    "JP": "ja",
    "ARB": "ar",
    "DE": "de",
    "IN": "hi",
    "IT": "it",
    "KR": "ko",
    "RU": "ru",
    "ES": "es",
    "PT": "pt",
    "IDN": "id",
    "BD": "bn",
    "TH": "th",
    # other languages espeak-ng speaks, by their ISO 639-1 code
    "FR": "fr-fr",
    "ZH": "cmn",
    "CN": "cmn",
    "TR": "tr",
    "PL": "pl",
    "SV": "sv",
    "NB": "nb",
    "NO": "nb",
    "EL": "el",
    "HE": "he",
    "HU": "hu",
    "RO": "ro",
    "SK": "sk",
    "UK": "uk",
    "MS": "ms",
    "ID": "id",
    "VI": "vi",
    "JA": "ja",
    "KO": "ko",
    "UR": "ur",
    "SW": "sw",
    "FA": "fa",
    "TE": "te",
    "HR": "hr",
    "SR": "sr",
    "ET": "et",
    "LV": "lv",
    "LT": "lt",
    "SL": "sl",
    "AF": "af",
    "NE": "ne",
    "SI": "si",
    "MY": "my",
    "KA": "ka",
    "HY": "hy",
    "AZ": "az",
    "KK": "kk",
    "UZ": "uz",
    "SQ": "sq",
    "MK": "mk",
    "IS": "is",
    "CY": "cy",
    "GA": "ga",
    "MT": "mt",
    "EU": "eu",
    "YUE": "yue",
}
# (code, accent) -> a regional voice.
ACCENTS: dict[tuple[str, str], str] = {
    ("EN", "1"): "en-us",
    ("EN", "44"): "en-gb",
    ("EN", "61"): "en-gb",
    ("EN", "91"): "en-gb",
    ("ES", "52"): "es-419",
    ("ES", "54"): "es-419",
    ("ES", "57"): "es-419",
    ("PT", "55"): "pt-br",
    ("FR", "32"): "fr-be",
    ("FR", "41"): "fr-ch",
    ("VN", "84"): "vi",
}
# ISO 639-1 codes reported by language detection -> API code.
DETECTED: dict[str, str] = {code.lower(): code for code, voice in CODES.items() if len(code) == 2 and voice}
DETECTED.update({"zh": "ZH", "en": "EN", "ja": "JA", "ko": "KO", "vi": "VI", "id": "ID", "ar": "AR", "hi": "HI"})
AUTO = "AUTO"
MALE, FEMALE = 1, 2
ESPEAK_WPM = 175  # espeak-ng's normal speed, words per minute (speakingRate 1.0)
ESPEAK_MIN_WPM, ESPEAK_MAX_WPM = 80, 450


def known(code: str) -> bool:
    return code.upper() in CODES


def voice_for(code: str, *, accent: str | None = None, gender: int | None = None) -> str | None:
    """The espeak-ng voice (``en-gb+f3``) for an API language code, or None when there is none."""
    code = code.upper()
    base = ACCENTS.get((code, accent or "")) or CODES.get(code)
    if base is None:
        return None
    return f"{base}+{'m3' if gender == MALE else 'f3'}"


def speed(rate: float) -> tuple[int, float]:
    """espeak-ng's words per minute for a speakingRate, and the tempo factor (sox) for what lies outside
    espeak-ng's own range (80-450 wpm)."""
    wpm = ESPEAK_WPM * rate
    if wpm < ESPEAK_MIN_WPM:
        return ESPEAK_MIN_WPM, wpm / ESPEAK_MIN_WPM
    if wpm > ESPEAK_MAX_WPM:
        return ESPEAK_MAX_WPM, wpm / ESPEAK_MAX_WPM
    return round(wpm), 1.0
