"""A client for cordond, the Cordon daemon (protocol v1, launcher/PROTOCOL.md).

Standard library only: copy this file into an agent host and use it.

    from cordon_client import CordonClient, CordonError

    with CordonClient() as cordon:                  # $CORDON_SOCKET or /run/cordon/cordond.sock
        for tool in cordon.tools():
            print(tool["name"], tool.get("definition", {}).get("name"))
        answer = cordon.run("search_code", arguments={"pattern": "TODO"}, workspace="project")
        print(answer["result"]["stdout"]["data"])

The daemon identifies the caller by the socket's peer credentials, so the
calls run under this process's uid and groups. A refused request raises
CordonError with the daemon's error code (forbidden, unknown_tool,
invalid_request, invalid_workspace, busy, ...). A call that ran returns its
response even when the tool failed: look at result["outcome"].
"""

import itertools
import json
import os
import socket

DEFAULT_SOCKET = "/run/cordon/cordond.sock"
MAX_LINE_BYTES = 64 << 20  # the longest line accepted from the daemon


class CordonError(Exception):
    """The daemon refused a request, or the connection failed."""

    def __init__(self, code, message, errors=None):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.errors = errors or []


def default_socket_path():
    return os.environ.get("CORDON_SOCKET") or DEFAULT_SOCKET


class CordonClient:
    """One connection to cordond. Requests are sent one at a time."""

    def __init__(self, path=None, timeout=None):
        self.path = path or default_socket_path()
        self._ids = itertools.count(1)
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.settimeout(timeout)
        try:
            self._sock.connect(self.path)
        except OSError as e:
            self._sock.close()
            raise CordonError("unavailable", f"cannot connect to cordond at {self.path}: {e.strerror}") from e
        self._reader = self._sock.makefile("rb")

    def close(self):
        self._reader.close()
        self._sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ------------------------------------------------------------ protocol

    def _send(self, message):
        line = json.dumps(message, ensure_ascii=False, separators=(",", ":")) + "\n"
        try:
            self._sock.sendall(line.encode("utf-8"))
        except OSError as e:
            raise CordonError("unavailable", f"cannot send to cordond: {e}") from e

    def _receive(self):
        try:
            line = self._reader.readline(MAX_LINE_BYTES + 1)
        except OSError as e:
            raise CordonError("unavailable", f"cannot read from cordond: {e}") from e
        if not line:
            raise CordonError("unavailable", "cordond closed the connection")
        if len(line) > MAX_LINE_BYTES:
            raise CordonError("unavailable", f"cordond sent a line longer than {MAX_LINE_BYTES} bytes")
        try:
            message = json.loads(line)
        except ValueError as e:
            raise CordonError("bad_json", f"cordond sent a line that is not JSON: {e}") from e
        if not isinstance(message, dict):
            raise CordonError("bad_json", "cordond sent a JSON line that is not an object")
        return message

    def request(self, op, on_event=None, **fields):
        """Sends one request and returns its response (the line with "ok").

        Event lines for this request (streamed output) go to on_event.
        Raises CordonError when the response has ok: false.
        """
        rid = next(self._ids)
        self._send({"id": rid, "op": op, **fields})
        while True:
            message = self._receive()
            if message.get("id") != rid and not (message.get("id") is None and message.get("ok") is False):
                continue  # not ours (cannot happen with one request in flight)
            if "ok" not in message:
                if on_event is not None:
                    on_event(message)
                continue
            if message["ok"] is not True:
                error = message.get("error") or {}
                raise CordonError(error.get("code", "error"), error.get("message", ""), error.get("errors"))
            return message

    # ------------------------------------------------------------ operations

    def health(self):
        return self.request("health")

    def tools(self):
        """The tools this caller may run; those with a "definition" take structured arguments."""
        return self.request("tools")["tools"]

    def run(self, tool, argv=None, arguments=None, workspace=None, stdin=None, env=None, timeout_ms=None,
            on_output=None):
        """Runs one call and returns the response: {"call_id", "tenant", "result": {...}}.

        Give argv (a list of strings) or arguments (a dict for the tool's
        definition). on_output(stream, text) gets output as the tool writes
        it ("stdout" or "stderr"); without it nothing is streamed.
        """
        fields = {"tool": tool}
        if argv is not None:
            fields["argv"] = list(argv)
        if arguments is not None:
            fields["arguments"] = arguments
        if workspace is not None:
            fields["workspace"] = workspace
        if stdin is not None:
            fields["stdin"] = stdin
        if env:
            fields["env"] = dict(env)
        if timeout_ms is not None:
            fields["timeout_ms"] = int(timeout_ms)
        on_event = None
        if on_output is not None:
            fields["stream"] = True

            def on_event(event):
                if event.get("event") == "output":
                    on_output(event.get("stream", ""), event.get("data", ""))

        return self.request("run", on_event=on_event, **fields)

    def ps(self):
        return self.request("ps")["calls"]

    def kill(self, call_id):
        return self.request("kill", call_id=call_id)["killed"]
