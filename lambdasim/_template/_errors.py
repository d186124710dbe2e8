"""``TemplateError``: a template lambdasim (or CloudFormation) would reject, naming where.

Every message starts with the path of what is wrong inside the template, in
CloudFormation's dotted form (``Resources.Orders.Properties.Timeout``), so a
user can find the line without reading a traceback.
"""

from __future__ import annotations

from .._errors import LambdaSimError

__all__ = ["TemplateError"]


class TemplateError(LambdaSimError, ValueError):
    """The template cannot be loaded: ``path`` says where, the message says why.

    ``code`` is CloudFormation's error code for a template it refuses
    (``ValidationError``). When a service error (a ``FunctionConfig`` rule, a
    name conflict) caused it, that exception is the ``__cause__``.
    """

    code = "ValidationError"
    status_code = 400

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        #: Where in the template: ``Resources.Orders.Properties.Timeout``, or ``""`` for the whole file.
        self.path = path
