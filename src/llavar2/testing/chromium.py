"""Headless Chromium driven over the DevTools protocol, for tests of the HTML pages: open a
page, evaluate expressions in it, type keys and click as a user does, set a file input, allow
downloads, collect every console error, warning, uncaught exception and request, and take a
screenshot. Needs the ``chromium`` binary and the ``websocket-client`` package."""

from __future__ import annotations

import base64
import itertools
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import websocket


def chromium_binary() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        raise RuntimeError("chromium is not installed (apt-get install chromium)")
    return found


# Named keys for ``HeadlessPage.press``: their ``code`` and Windows virtual key code.
_NAMED_KEYS = {
    "ArrowLeft": 37,
    "ArrowUp": 38,
    "ArrowRight": 39,
    "ArrowDown": 40,
    "Escape": 27,
    "Enter": 13,
    "Tab": 9,
    "Backspace": 8,
    "Delete": 46,
    "Home": 36,
    "End": 35,
}
_SYMBOL_KEYS = {
    "/": ("Slash", 191),
    " ": ("Space", 32),
    ".": ("Period", 190),
    ",": ("Comma", 188),
    "-": ("Minus", 189),
}


class HeadlessPage:
    """One page of a headless Chromium started for it; ``errors`` lists console errors and
    exceptions, ``warnings`` console warnings, and ``requests`` the URL of every request the
    page made, as they arrive."""

    def __init__(self, width: int = 1400, height: int = 1000, timeout: float = 30.0):
        self.timeout = timeout
        self._profile = tempfile.mkdtemp(prefix="llavar2-chromium-")
        args = [
            chromium_binary(),
            "--headless=new",
            "--remote-debugging-port=0",
            f"--user-data-dir={self._profile}",
            "--no-first-run",
            "--disable-gpu",
            "--disable-extensions",
            f"--window-size={width},{height}",
            "about:blank",
        ]
        if os.geteuid() == 0:  # Chromium refuses to run as root with its sandbox
            args.insert(1, "--no-sandbox")
        self._proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._ids = itertools.count(1)
        self.errors: list[str] = []
        self.warnings: list[str] = []
        self.requests: list[str] = []
        self._events: list[dict[str, Any]] = []
        try:
            self._ws = websocket.create_connection(self._page_socket(), timeout=timeout)
            for domain in ("Runtime", "Page", "Log", "Network"):
                self.send(f"{domain}.enable")
        except BaseException:
            self.close()
            raise

    def _page_socket(self) -> str:
        port_file = Path(self._profile) / "DevToolsActivePort"
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if port_file.is_file() and (lines := port_file.read_text().split()):
                with urllib.request.urlopen(f"http://127.0.0.1:{lines[0]}/json/list") as r:
                    pages = [t for t in json.load(r) if t["type"] == "page"]
                if pages:
                    return pages[0]["webSocketDebuggerUrl"]
            if self._proc.poll() is not None:
                raise RuntimeError(f"chromium exited with status {self._proc.returncode}")
            time.sleep(0.1)
        raise TimeoutError("chromium did not open its DevTools port")

    def _record(self, event: dict[str, Any]) -> None:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
            self.errors.append(
                " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"])
            )
        elif method == "Runtime.consoleAPICalled" and params["type"] == "warning":
            self.warnings.append(
                " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"])
            )
        elif method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            self.errors.append(details.get("exception", {}).get("description", details["text"]))
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            entry = params["entry"]
            self.errors.append(f"{entry['text']} {entry.get('url', '')}".strip())
        elif method == "Log.entryAdded" and params["entry"]["level"] == "warning":
            entry = params["entry"]
            self.warnings.append(f"{entry['text']} {entry.get('url', '')}".strip())
        elif method == "Network.requestWillBeSent":
            self.requests.append(params["request"]["url"])
        self._events.append(event)

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        call_id = next(self._ids)
        self._ws.send(json.dumps({"id": call_id, "method": method, "params": params}))
        while True:
            message = json.loads(self._ws.recv())
            if message.get("id") == call_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]
            self._record(message)

    def open(self, url: str) -> None:
        """Navigate and wait for the load event."""
        self._events.clear()
        self.send("Page.navigate", url=url)
        deadline = time.monotonic() + self.timeout
        while not any(e.get("method") == "Page.loadEventFired" for e in self._events):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not load")
            self._record(json.loads(self._ws.recv()))

    def evaluate(self, expression: str) -> Any:
        result = self.send(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str) -> None:
        """Until ``expression`` is truthy in the page."""
        deadline = time.monotonic() + self.timeout
        while not self.evaluate(expression):
            if time.monotonic() > deadline:
                raise TimeoutError(f"the page never made {expression!r} true")
            time.sleep(0.05)

    def press(self, key: str) -> None:
        """Type one key as a user does: a character (``"a"``, ``"1"``, ``"/"``) or a named key
        (``"ArrowDown"``, ``"Escape"``, ``"Enter"``…), to whatever has the focus."""
        if key in _NAMED_KEYS:
            params: dict[str, Any] = {
                "key": key,
                "code": key,
                "windowsVirtualKeyCode": _NAMED_KEYS[key],
            }
            if key == "Enter":
                params.update(text="\r", unmodifiedText="\r")
        elif len(key) == 1:
            if key.isascii() and key.isalpha():
                code, vk = f"Key{key.upper()}", ord(key.upper())
            elif key.isascii() and key.isdigit():
                code, vk = f"Digit{key}", ord(key)
            else:
                code, vk = _SYMBOL_KEYS.get(key, ("", 0))
            params = {
                "key": key,
                "code": code,
                "windowsVirtualKeyCode": vk,
                "text": key,
                "unmodifiedText": key,
            }
        else:
            raise ValueError(f"unknown key {key!r}")
        self.send("Input.dispatchKeyEvent", type="keyDown", **params)
        up = {k: v for k, v in params.items() if k not in ("text", "unmodifiedText")}
        self.send("Input.dispatchKeyEvent", type="keyUp", **up)

    def type(self, text: str) -> None:
        """``press`` each character of ``text`` in turn."""
        for char in text:
            self.press(char)

    def click(self, selector: str) -> None:
        """Scroll the first element matching the CSS ``selector`` into view and click its
        centre with the mouse."""
        point = self.evaluate(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
            " if (!e) return null; e.scrollIntoView({block: 'center', inline: 'center'});"
            " const r = e.getBoundingClientRect();"
            " return r.width && r.height ? [r.left + r.width / 2, r.top + r.height / 2] : null;"
            " })()"
        )
        if point is None:
            raise LookupError(f"no visible element matches {selector!r}")
        x, y = point
        self.send("Input.dispatchMouseEvent", type="mouseMoved", x=x, y=y)
        for kind in ("mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)

    def set_input_files(self, selector: str, paths: list[Path]) -> None:
        """Choose ``paths`` in the file input matching ``selector``, as its file dialog would
        (the page gets its ``change`` event)."""
        root = self.send("DOM.getDocument", depth=0)["root"]["nodeId"]
        node = self.send("DOM.querySelector", nodeId=root, selector=selector)["nodeId"]
        if not node:
            raise LookupError(f"no element matches {selector!r}")
        self.send("DOM.setFileInputFiles", nodeId=node, files=[str(p) for p in paths])

    def allow_downloads(self, folder: Path) -> None:
        """Save what the page downloads into ``folder``, under the names it suggests."""
        self.send("Browser.setDownloadBehavior", behavior="allow", downloadPath=str(folder))

    def screenshot(self, path: Path, full_page: bool = False) -> None:
        data = self.send("Page.captureScreenshot", format="png", captureBeyondViewport=full_page)
        path.write_bytes(base64.b64decode(data["data"]))

    def close(self) -> None:
        if getattr(self, "_ws", None) is not None:
            self._ws.close()
        self._proc.terminate()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        shutil.rmtree(self._profile, ignore_errors=True)

    def __enter__(self) -> HeadlessPage:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
