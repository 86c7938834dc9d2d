"""The Flask class the catalogue runs on: Flask, with two costs of every request taken out.

Measured with ``python -m bench.search_profile`` (a search: about a tenth of the app's own
CPU between them):

- Flask asks of every hook, on every request, whether it is a coroutine; the answer never
  changes, so it is remembered.
- Flask's cookie sessions build the cookie signer and read the cookie settings on every
  request, also for the API calls and crawlers that never bring a session cookie; those get
  an empty session straight away, and nothing is written back for a session that stayed
  empty.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from types import FunctionType
from typing import Any

from flask import Flask, Request, Response
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin


class CookieSessions(SecureCookieSessionInterface):
    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if not session and not session.modified:  # empty, and no cookie to take back
            if session.accessed:
                response.vary.add("Cookie")
            return
        super().save_session(app, session, response)


class CatalogueFlask(Flask):
    session_interface = CookieSessions()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._is_sync: dict[FunctionType, bool] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        # Keyed by the plain function, also for a method: views are bound anew per request.
        target = getattr(func, "__func__", func)
        if not isinstance(target, FunctionType):
            return super().ensure_sync(func)
        is_sync = self._is_sync.get(target)
        if is_sync is None:
            is_sync = self._is_sync[target] = not inspect.iscoroutinefunction(target)
        return func if is_sync else super().ensure_sync(func)
