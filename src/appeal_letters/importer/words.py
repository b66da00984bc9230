"""The words urgent appeals are written with, in English, French, Spanish and Russian: section
headings, contact labels, honorifics, offices, ordinals. Data, kept apart from the parsing so
that a new issuer's wording is a line here, not a change of logic.
"""

from __future__ import annotations

import re

#: Section headings, by what the section holds (matched at the start of a line, any case).
HEADINGS: dict[str, tuple[str, ...]] = {
    "new_information": (
        "new information",
        "nouvelles informations",
        "nouvelle information",
        "información nueva",
        "nueva información",
        "descripción de los hechos",
        "description des faits",
        "description of the situation",
        "новая информация",
    ),
    "background": (
        "background information",
        "background",
        "rappel des faits",
        "antecedentes",
        "recordatorio de los hechos",
        "additional information",
        "información adicional",
        "справочная информация",
    ),
    "actions": (
        "actions requested",
        "action requested",
        "actions requises",
        "action requise",
        "acciones solicitadas",
        "acción solicitada",
        "запрашиваемые действия",
    ),
    "addresses": (
        "addresses",
        "adresses",
        "direcciones",
        "target's contact details",
        "target’s contact details",
        "and copies to",
        "copies to",
        "et copies à",
        "y copias a",
        "адреса",
    ),
}

#: Lines that end a block of addresses, requests or facts (an Amnesty page's next part).
STOPS = (
    "also send copies",
    "please also write",
    "prière d'écrire également",
    "merci d'écrire également",
    "envíen también",
    "envíe también",
    "favor de escribir también",
    "preferred language",
    "please take action",
    "please check with",
    "kindly inform",
    "merci de bien vouloir",
    "name and pronoun",
    "link to previous",
    "consulten con",
    "просим также",
    "просим сообщить",
    "пожалуйста, сообщите",
)

#: Amnesty's way of asking, before its request list or its addresses.
WRITE_NOW = (
    "please write immediately",
    "write an appeal",
    "take action",
    "escriban inmediatamente",
    "escriban de inmediato",
    "écrivez immédiatement",
)

#: Sentences asking for more than these letters (kept as ``copies_to``).
COPIES_TO = re.compile(
    r"^(?:please also (?:write|send)|also send copies|send copies|prière d'écrire également|"
    r"merci d'écrire également|veuillez également|envíen también|envíe también|"
    r"favor de escribir también|por favor, escriban también|просим также (?:написать|направить))",
    re.IGNORECASE,
)

#: Contact labels, by channel. Matched case-insensitively before ``:``.
LABELS: dict[str, tuple[str, ...]] = {
    "fax": ("faxes", "fax", "télécopie", "telefax", "факс", "факсы"),
    "email": (
        "e-mails",
        "emails",
        "e-mail",
        "email",
        "courriel",
        "courriels",
        "correo electrónico",
        "correo-e",
        "correo",
        "mail",
        "эл. почта",
        "электронная почта",
        "e-mail",
    ),
    "web_form": (
        "electronic appeals via website",
        "online form",
        "web form",
        "website",
        "web",
        "formulaire en ligne",
        "site internet",
        "site web",
        "sitio web",
        "formulario",
        "página web",
    ),
    "phone": (
        "tel",
        "tél",
        "tel.",
        "tél.",
        "telephone",
        "téléphone",
        "teléfono",
        "phone",
        "тел",
        "телефон",
    ),
    "social": ("twitter", "x", "facebook", "instagram", "telegram"),
    "salutation": (
        "salutation",
        "tratamiento",
        "formule d'appel",
        "formule de politesse",
        "обращение",
    ),
}

#: Before a name: honorifics as appeals write them, with the gender they say.
HONORIFICS: dict[str, str] = {
    "mr": "male",
    "mrs": "female",
    "ms": "female",
    "miss": "female",
    "m": "male",
    "mme": "female",
    "mlle": "female",
    "sr": "male",
    "sra": "female",
    "srta": "female",
    "don": "male",
    "doña": "female",
    "dr": "unspecified",
    "lic": "unspecified",
    "lcdo": "male",
    "lcda": "female",
    "ing": "unspecified",
    "dra": "female",
    "prof": "unspecified",
    "г-н": "male",
    "г-жа": "female",
}
#: Before an honorific: "His Excellency".
EXCELLENCY = (
    "h.e.",
    "h. e.",
    "s.e.",
    "s. e.",
    "his excellency",
    "her excellency",
    "excmo.",
    "excma.",
    "son excellence",
)
#: Ranks written before a name in place of an honorific.
RANKS = ("ambassador", "ambassadeur", "ambassadrice", "embajador", "embajadora", "посол")

#: Office kinds, from words in a title. The first match wins, so the narrow come first.
OFFICE_WORDS: tuple[tuple[str, str], ...] = (
    (
        "head_of_government",
        r"prime minister|premier ministre|primer ministro|première ministre|"
        r"presidente del gobierno|председатель правительства",
    ),
    (
        "prosecutor_general",
        r"prosecutor general|procurator general|attorney general|"
        r"general prosecutor|procureur général|procureure générale|fiscal general|"
        r"procurador general|генеральный прокурор",
    ),
    (
        "ombudsman",
        r"ombudsman|ombudsperson|commissioner for human rights|défenseur des droits|"
        r"médiateur|defensor del pueblo|defensora del pueblo|defensoría del pueblo|"
        r"уполномоченный по правам человека",
    ),
    (
        "ambassador",
        r"ambassador|ambassadeur|ambassadrice|embajador|embajadora|"
        r"permanent representative|représentant permanent|representante permanente|"
        r"embassy|ambassade|embajada|permanent mission|mission permanente|misión permanente|"
        r"посол|посольство|постоянное представительство",
    ),
    (
        "minister",
        r"\bminister\b|\bministre\b|\bministra\b|\bministro\b|\bминистр\b|"
        r"secretary of state|secretario de|secretaria de",
    ),
    (
        "head_of_state",
        r"^(?:president|présidente?|presidente|presidenta|президент)\b(?!.*\b(?:court|"
        r"council|senate|chamber|commission|committee|cour|conseil|sénat|commission|comité|corte|"
        r"consejo|senado|cámara|comisión|comité|tribunal|суда|совета)\b)",
    ),
)

#: Words that end an office title before a name ("Attorney General Alejandro Ruiz").
TITLE_ENDS = re.compile(
    r"\b(?:general|president|présidente?|presidenta?|minister|ministre|ministra|ministro|"
    r"governor|gouverneur|gobernador|gobernadora|secretary|secretario|secretaria|ombudsman|"
    r"commissioner|director|directora|chief|head|mayor|maire|alcalde|alcaldesa|prosecutor|"
    r"fiscal|procurador|procureur)\b",
    re.IGNORECASE,
)

#: Language names as appeals write them ("PREFERRED LANGUAGE TO ADDRESS TARGET: Spanish").
LANGUAGE_NAMES: dict[str, str] = {
    "english": "en", "anglais": "en", "inglés": "en", "ingles": "en",
    "french": "fr", "français": "fr", "francés": "fr", "frances": "fr",
    "spanish": "es", "espagnol": "es", "español": "es", "espanol": "es",
    "russian": "ru", "russe": "ru", "ruso": "ru",
    "arabic": "ar", "arabe": "ar", "árabe": "ar",
}  # fmt: skip

#: A salutation's first word tells its language better than a detector on three words.
SALUTATION_STARTS: dict[str, str] = {
    "dear": "en", "your": "en", "sir": "en", "madam": "en",
    "monsieur": "fr", "madame": "fr", "excellence": "fr", "cher": "fr", "chère": "fr",
    "señor": "es", "señora": "es", "estimado": "es", "estimada": "es", "excelentísimo": "es",
    "excelentísima": "es", "sr.": "es", "sra.": "es",
    "уважаемый": "ru", "уважаемая": "ru",
}  # fmt: skip

#: Amnesty's ordinal updates ("SECOND UA" is the first update).
ORDINALS: dict[str, int] = {
    "second": 1, "third": 2, "fourth": 3, "fifth": 4, "sixth": 5,
    "segunda": 1, "tercera": 2, "cuarta": 3, "quinta": 4,
    "deuxième": 1, "troisième": 2, "quatrième": 3,
}  # fmt: skip

#: Issuers, with their names as they read after "reported by" in each language.
ISSUERS: dict[str, dict[str, object]] = {
    "observatory": {
        "pattern": r"observatory for the protection of human rights defenders|observatoire pour "
        r"la protection des défenseurs|observatorio para la protección de (?:los )?defensores|"
        r"обсерватория по защите правозащитников|\bOBS\s*\d{3}\b",
        "names": {
            "en": "the Observatory for the Protection of Human Rights Defenders (OMCT-FIDH)",
            "fr": "l'Observatoire pour la protection des défenseurs des droits humains "
            "(OMCT-FIDH)",
            "es": "el Observatorio para la Protección de los Defensores de Derechos Humanos "
            "(OMCT-FIDH)",
            "ru": "Обсерватории по защите правозащитников (OMCT-FIDH)",
        },
    },
    "amnesty": {
        "pattern": r"amnesty international|amnistía internacional|amnistie internationale|"
        r"\burgent action\b|\bacción urgente\b|\baction urgente\b",
        "names": {"en": "Amnesty International", "fr": "Amnesty International",
                  "es": "Amnistía Internacional"},
    },
    "acat": {
        "pattern": r"\bACAT\b|action des chrétiens pour l'abolition de la torture",
        "names": {"en": "ACAT", "fr": "l'ACAT", "es": "ACAT"},
    },
    "front_line": {
        "pattern": r"front line defenders",
        "names": {"en": "Front Line Defenders", "fr": "Front Line Defenders",
                  "es": "Front Line Defenders"},
    },
}  # fmt: skip

#: Lead-ins before the requests, and what the request list hangs on.
ASK_LEADS = re.compile(
    r"(?:write to|écrire|escribir|escriban|напишите|написать)\s+(?P<who>.+?)"
    r"(?:,?\s+(?:urging|asking|calling on|requesting|en (?:leur|lui) demandant|"
    r"pidiéndoles|pidiéndole|solicitándoles|instándoles|exhortándoles|с призывом|"
    r"с требованием|с просьбой|призывая)(?=\W|$)|:)",
    re.IGNORECASE,
)
#: One-sentence requests in a model letter: "I urge you to ... and to ...".
URGE = re.compile(
    r"\b(?:I (?:urge|call on|ask) you to|je vous (?:prie|demande|exhorte) (?:instamment )?de|"
    r"le (?:insto|pido|exhorto) a(?: que)?|les (?:insto|pido|exhorto) a(?: que)?)\s+",
    re.IGNORECASE,
)
#: Where a one-sentence request may be split: "and to" before a verb, not before "a lawyer".
SPLIT_AND = re.compile(r",?\s+(?:and to|et de|et d'|y a|y que)\s+(?=(?P<next>[^\s,]+))")
NOT_A_VERB = {
    "a", "an", "the", "his", "her", "their", "its", "my", "our", "your", "all", "any", "him",
    "them", "la", "le", "les", "l'", "son", "sa", "ses", "leur", "leurs", "tous", "toutes",
    "el", "los", "las", "su", "sus", "un", "una", "todos", "todas",
}  # fmt: skip

#: Cyrillic to Latin for file names and ids (the ICAO transliteration of Russian passports).
CYRILLIC_TO_LATIN = str.maketrans({
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "ie", "ы": "y", "ь": "", "э": "e", "ю": "iu", "я": "ia",
    "ә": "a", "ғ": "g", "қ": "k", "ң": "n", "ө": "o", "ұ": "u", "ү": "u", "һ": "h", "і": "i",
})  # fmt: skip
