"""API secrets at rest: encrypted with Fernet under the master key, decrypted only to check a signature."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken


class SecretBox:
    def __init__(self, master_key: bytes) -> None:
        self._fernet = Fernet(master_key)

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode()).decode()

    def open(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise ValueError("secret cannot be decrypted: wrong master key?") from exc

    def __repr__(self) -> str:
        return "SecretBox(<hidden>)"
