"""A Streamlit session over the app's own websocket protocol, without a browser.

Used by the benchmark to hold many sessions open and drive them concurrently on a 2-core
machine, where 30 Chromium tabs would measure the browser rather than the server. It speaks
exactly what the frontend speaks: BackMsg.rerun_script with the page, query string and
widget states; it reads ForwardMsgs until script_finished, counting exception elements.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

INPUT_TYPES = ("number_input", "text_input", "chat_input", "text_area")


@dataclass
class RunResult:
    seconds: float
    exceptions: int
    status: str


@dataclass
class Session:
    base: str  # http://127.0.0.1:PORT
    page: str = ""  # url path, "" for home
    query: str = "lang=en"
    ws: object = None
    page_hash: str = ""
    widgets: dict[str, str] = field(default_factory=dict)  # id -> element type
    widget_values: dict[str, WidgetState] = field(default_factory=dict)

    async def connect(self) -> None:
        host = self.base.split("//", 1)[1]
        self.ws = await websockets.connect(
            f"ws://{host}/_stcore/stream", subprotocols=["streamlit"],
            origin=self.base, max_size=2**26, open_timeout=30,
        )

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()

    async def run(self, widget_states: list[WidgetState] | None = None, timeout: float = 60) -> RunResult:
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = self.query
        cs.page_name = self.page
        if self.page_hash:
            cs.page_script_hash = self.page_hash
        for state in [*self.widget_values.values(), *(widget_states or [])]:
            cs.widget_states.widgets.append(state)
        t0 = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        exceptions = 0
        while True:
            raw = await asyncio.wait_for(self.ws.recv(), timeout=timeout)
            fm = ForwardMsg()
            fm.ParseFromString(raw)
            kind = fm.WhichOneof("type")
            if kind == "new_session":
                self.page_hash = fm.new_session.page_script_hash or self.page_hash
            elif kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
                el = fm.delta.new_element
                etype = el.WhichOneof("type")
                if etype == "exception":
                    exceptions += 1
                elif etype in INPUT_TYPES:
                    self.widgets.setdefault(getattr(el, etype).id, etype)
            elif kind == "page_not_found":
                return RunResult(time.perf_counter() - t0, exceptions + 1, "page_not_found")
            elif kind == "script_finished":
                status = ForwardMsg.ScriptFinishedStatus.Name(fm.script_finished)
                if status == "FINISHED_EARLY_FOR_RERUN":
                    continue
                return RunResult(time.perf_counter() - t0, exceptions, status)

    def first_input(self) -> tuple[str, str] | None:
        return next(iter(self.widgets.items()), None)

    async def interact(self, value: float | str) -> RunResult:
        """Set the page's first text/number/chat input and rerun, as a user's edit does."""
        found = self.first_input()
        if found is None:
            return await self.run()
        wid, etype = found
        state = WidgetState(id=wid)
        if etype == "number_input":
            state.double_value = float(value) if not isinstance(value, str) else 70.0
        elif etype == "chat_input":
            state.chat_input_value.data = str(value)
        else:
            state.string_value = str(value)
        if etype != "chat_input":  # a chat message is a trigger, not a kept value
            self.widget_values[wid] = state
            return await self.run()
        return await self.run([state])
