"""PKI test material is generated once per pytest worker (xdist ``-n 2`` runs two sessions)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import material as material_module  # noqa: E402

from ggzy.pki.certs import Certificate, load_certificate  # noqa: E402
from ggzy.pki.validation import TrustList  # noqa: E402


@pytest.fixture(scope="session")
def material(tmp_path_factory: pytest.TempPathFactory) -> material_module.Material:
    return material_module.generate(tmp_path_factory.mktemp("pki-material"))


@pytest.fixture(scope="session")
def cert(material):
    def load(name: str) -> Certificate:
        return load_certificate(material.read(f"{name}.pem"))

    return load


@pytest.fixture(scope="session")
def trust(material) -> TrustList:
    """The provincial trust list of the tests: RSA root and issuing CA, the P-256 CA, the SM2 CA."""
    return TrustList([material_module.trusted(material, n) for n in ("rsa-root", "rsa-ca", "ec-ca", "sm2-ca")])
