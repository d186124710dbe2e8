"""CloudFormation and SAM templates: ``LambdaSim.from_template`` and ``sim.load_template``.

The loader reads YAML (short-form tags included) or JSON, resolves intrinsic
functions, and creates the template's functions, versions, aliases and layers
through the simulator's public methods. See docs/templates.md.
"""

from ._errors import TemplateError
from ._stack import DEFAULT_STACK_NAME, Stack, load_template

__all__ = ["DEFAULT_STACK_NAME", "Stack", "TemplateError", "load_template"]
