"""Demo CA providers and fee schedules for the demo province.

DEMO FIGURES: the names are real kinds of provider in Guizhou's market, but the licence numbers,
contacts and every amount below are invented for the demo, not any provider's published price.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy.kit.actor import Actor
from ggzy.pki import fees
from ggzy.pki.fee_models import CaProvider

DEMO_NOTE = "演示数据：金额为虚构示例，不代表该机构实际收费。"

# code, name, licence, contact, website, CA names, algorithms, {effective date: {item: (fen, unit)}}
DEMO_PROVIDERS = [
    (
        "GZCA",
        "贵州省数字证书认证中心（演示）",
        "ECP52000000000（演示）",
        "0851-00000000",
        "https://ca.example.gz.cn",
        ["GZCA RSA 签发 CA（演示）", "GZCA SM2 签发 CA（演示）"],
        "RSA、SM2",
        {
            dt.date(2025, 1, 1): {
                "cert_issue": (28000, "元/证（含首年）"),
                "cert_renewal": (24000, "元/证/年"),
                "e_seal": (30000, "元/枚"),
                "usb_key": (8000, "元/个"),
            },
            dt.date(2026, 1, 1): {
                "cert_issue": (26000, "元/证（含首年）"),
                "cert_renewal": (20000, "元/证/年"),
                "e_seal": (30000, "元/枚"),
                "usb_key": (6000, "元/个"),
            },
        },
    ),
    (
        "CFCA",
        "中金金融认证中心（CFCA，演示）",
        "ECP11000000000（演示）",
        "400-000-0000",
        "https://www.example-cfca.com.cn",
        ["CFCA OCA（演示）"],
        "RSA、ECDSA",
        {
            dt.date(2025, 7, 1): {
                "cert_issue": (30000, "元/证（含首年）"),
                "cert_renewal": (22000, "元/证/年"),
                "e_seal": (35000, "元/枚"),
                "usb_key": (5000, "元/个"),
            },
        },
    ),
    (
        "SMCA",
        "某国密数字认证有限公司（演示）",
        "ECP52000000001（演示）",
        "0851-11111111",
        "https://sm2.example.cn",
        ["国密 SM2 签发 CA（演示）"],
        "SM2",
        {
            dt.date(2026, 3, 1): {
                "cert_issue": (20000, "元/证（含首年）"),
                "cert_renewal": (18000, "元/证/年"),
                "e_seal": (25000, "元/枚"),
                "usb_key": (0, "免费（随证书提供）"),
            },
        },
    ),
]


def seed_demo_ca_fees(session: Session, *, actor: Actor, now: dt.datetime) -> int:
    """Add the demo providers that are missing, with their schedules; returns how many were added."""
    have = set(session.execute(select(CaProvider.code)).scalars())
    added = 0
    for code, name, licence, contact, website, ca_names, algorithms, history in DEMO_PROVIDERS:
        if code in have:
            continue
        provider = fees.add_provider(
            session,
            actor=actor,
            now=now,
            code=code,
            name=name,
            licence_no=licence,
            contact=contact,
            website=website,
            ca_names=ca_names,
            algorithms=algorithms,
        )
        for effective, items in sorted(history.items()):
            fees.publish_schedule(
                session, actor=actor, now=now, provider=provider, effective_from=effective, items=items, note=DEMO_NOTE
            )
        added += 1
    return added
