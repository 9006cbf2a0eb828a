"""The starter actors for the seed corpus (seeds/), loaded by `manage.py bootstrap` through
services.actors_load_starter.

Built from the five seed articles: the states, groups and bodies they discuss and the people they
quote, with the names the articles use for them. Aliases must be unambiguous across the whole list
(tests/test_bootstrap.py loads them all). Some tempting aliases are left out on purpose:
"Islamic Republic" (the seeds use it for the former Afghan republic as well as for Iran), bare
"Kabul" (the pre-2021 government or, later, the Taliban), "Tajik" (an Afghan ethnic group too) and
"Mujahid" (also the ordinary word for a fighter).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from annotate.models import Actor, ActorKind


@dataclass(frozen=True)
class StarterActor:
    name: str
    kind: str
    aliases: tuple[str, ...] = ()
    affiliation: str | None = None


STATE, ORG, ARMED, PERSON, MEDIA = (
    ActorKind.STATE,
    ActorKind.ORGANIZATION,
    ActorKind.ARMED_GROUP,
    ActorKind.PERSON,
    ActorKind.MEDIA,
)

STARTER_ACTORS: tuple[StarterActor, ...] = (
    # States
    StarterActor(
        "Russia",
        STATE,
        ("Moscow", "the Kremlin", "Kremlin", "Russians", "Russian", "Russian Federation"),
    ),
    StarterActor(
        "United States",
        STATE,
        (
            "U.S.",
            "US",
            "USA",
            "the US",
            "the U.S.",
            "United States of America",
            "Washington",
            "America",
            "American",
            "Americans",
        ),
    ),
    StarterActor("Iran", STATE, ("Tehran", "Iranians", "Iranian", "Islamic Republic of Iran")),
    StarterActor("China", STATE, ("Beijing", "Chinese", "People's Republic of China", "PRC")),
    StarterActor("Pakistan", STATE, ("Islamabad", "Pakistani", "Pakistanis")),
    StarterActor("India", STATE, ("New Delhi", "Indian")),
    StarterActor("Tajikistan", STATE, ("Dushanbe",)),
    # Afghan sides
    StarterActor(
        "Taliban",
        ARMED,
        (
            "Taleban",
            "the Taliban",
            "Afghan Taliban",
            "Talibs",
            "Islamic Emirate",
            "Islamic Emirate of Afghanistan",
        ),
    ),
    StarterActor("Haqqani network", ARMED, ("Haqqanis", "the Haqqanis"), "Taliban"),
    StarterActor(
        "Afghan government",
        STATE,
        (
            "Kabul government",
            "government in Kabul",
            "Government of Afghanistan",
            "Islamic Republic of Afghanistan",
            "Afghan officials",
            "Ghani government",
        ),
    ),
    StarterActor(
        "National Directorate of Security",
        ORG,
        ("NDS", "Afghan intelligence agency"),
        "Afghan government",
    ),
    StarterActor(
        "National Resistance Front",
        ARMED,
        ("NRF", "Resistance Front", "National Resistance Front of Afghanistan"),
    ),
    # Other armed groups
    StarterActor(
        "Islamic State",
        ARMED,
        (
            "ISIS",
            "IS",
            "ISIL",
            "Daesh",
            "ISKP",
            "IS-K",
            "ISIS-K",
            "Islamic State Khorasan",
            "Islamic State Khorasan Province",
        ),
    ),
    StarterActor("Al-Qaeda", ARMED, ("Al Qaeda", "al-Qaida", "Al Qaida", "al-Qaeda network")),
    # Organizations and agencies
    StarterActor("NATO", ORG, ("North Atlantic Treaty Organization", "NATO coalition")),
    StarterActor("CIA", ORG, ("Central Intelligence Agency",), "United States"),
    StarterActor(
        "Inter-Services Intelligence",
        ORG,
        ("ISI", "Pakistani Inter-Services Intelligence"),
        "Pakistan",
    ),
    StarterActor(
        "Islamic Revolutionary Guard Corps", ORG, ("IRGC", "Revolutionary Guards"), "Iran"
    ),
    # Media
    StarterActor("Los Angeles Times", MEDIA, ("LA Times", "L.A. Times")),
    StarterActor("The Cipher Brief", MEDIA, ("Cipher Brief", "cipherbrief")),
    StarterActor("RUSI", ORG, ("Royal United Services Institute",)),
    StarterActor("Sangar", MEDIA),
    # People: Russia
    StarterActor("Vladimir Putin", PERSON, ("Putin", "President Putin"), "Russia"),
    StarterActor("Zamir Kabulov", PERSON, ("Kabulov",), "Russia"),
    StarterActor("Alexander Mantytskiy", PERSON, ("Mantytskiy",), "Russia"),
    StarterActor("Sergey Lavrov", PERSON, ("Lavrov", "Sergei Lavrov"), "Russia"),
    StarterActor("Maria Zakharova", PERSON, ("Zakharova",), "Russia"),
    # People: United States and NATO
    StarterActor("Joseph Votel", PERSON, ("Votel", "Gen. Joseph Votel"), "United States"),
    StarterActor("Donald Trump", PERSON, ("Trump", "President Trump"), "United States"),
    StarterActor("Joe Biden", PERSON, ("Biden", "President Biden"), "United States"),
    StarterActor("Zalmay Khalilzad", PERSON, ("Khalilzad",), "United States"),
    StarterActor("William Salvin", PERSON, ("Salvin", "Capt. William Salvin"), "NATO"),
    # People: Taliban
    StarterActor("Zabiullah Mujahid", PERSON, ("Zabihullah Mujahid",), "Taliban"),
    StarterActor(
        "Abdul Ghani Baradar", PERSON, ("Baradar", "Mullah Baradar", "Ghani Baradar"), "Taliban"
    ),
    StarterActor("Tayyab Agha", PERSON, (), "Taliban"),
    StarterActor(
        "Haibatullah Akhundzada", PERSON, ("Haibatullah", "Haibatullah Akhund"), "Taliban"
    ),
    StarterActor("Mullah Yakub", PERSON, ("Mullah Yaqoob", "Mohammad Yaqoob"), "Taliban"),
    StarterActor("Amir Khan Muttaqi", PERSON, ("Muttaqi",), "Taliban"),
    StarterActor("Ibrahim Sadr", PERSON, (), "Taliban"),
    StarterActor("Abdul Qayum Zakir", PERSON, ("Qayum Zakir",), "Taliban"),
    # People: Afghan politics and resistance
    StarterActor("Ahmad Massoud", PERSON, ("Ahmad Massud",), "National Resistance Front"),
    StarterActor("Ashraf Ghani", PERSON, ("President Ghani",), "Afghan government"),
    StarterActor("Hamid Karzai", PERSON, ("Karzai",)),
    StarterActor("Abdullah Abdullah", PERSON),
    # People: analysts and witnesses quoted in the seeds
    StarterActor("Barnett Rubin", PERSON, ("Rubin",)),
    StarterActor("Haroun Mir", PERSON),
    StarterActor("Waheed Muzhda", PERSON, ("Muzhda",)),
    StarterActor("Gul Agha", PERSON),
    StarterActor("Antonio Giustozzi", PERSON, ("Giustozzi",), "RUSI"),
    StarterActor("Abdulnaser Nurzad", PERSON, ("Nurzad",)),
)


@dataclass
class LoadResult:
    """What loading the starter actors did: actors created, aliases added, what was skipped and why."""

    created: list[Actor] = field(default_factory=list)
    aliases_added: int = 0
    warnings: list[str] = field(default_factory=list)
