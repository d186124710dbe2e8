"""Code that runs inside an execution environment's process.

Standard library only: this package also runs under interpreters where
lambdasim (and attrs) are not installed. The zygote loads it under the module
name ``_lambdasim_runtime`` so that it never collides with the handler's modules.
"""
