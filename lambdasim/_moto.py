"""moto's server inside the test process, so handlers see the test's ``mock_aws`` state.

moto keeps its fake AWS in process-wide backends. ``ThreadedMotoServer``
serves those same backends over HTTP on loopback, so a handler running in an
execution environment (another process) reaches, through ``AWS_ENDPOINT_URL``,
exactly the buckets, tables and queues the test set up under ``mock_aws``, and
the test sees what the handler wrote. moto is an optional extra
(``pip install 'pytest-lambdasim[moto]'``).
"""

from __future__ import annotations

import logging
from typing import Any, Optional

__all__ = ["MotoEndpoint"]


class MotoEndpoint:
    """moto's threaded server on ``127.0.0.1`` and a free port; ``url`` is its endpoint."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        try:
            from moto.server import ThreadedMotoServer
        except ImportError as error:
            raise ImportError(
                "LambdaSim(moto=True) needs moto's server: pip install 'moto[server]' "
                f"(or 'pytest-lambdasim[moto]'); importing it failed: {error}"
            ) from None
        # werkzeug logs one line per request on stderr; tests do not want them.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._server: Optional[Any] = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
        self._server.start()
        bound_host, bound_port = self._server.get_host_and_port()
        self.url = f"http://{bound_host}:{bound_port}"

    def close(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.stop()

    def __repr__(self) -> str:
        return f"<MotoEndpoint {self.url}{'' if self._server else ' closed'}>"
