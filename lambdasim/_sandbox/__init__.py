"""Execution environments as seen from the test process: zygote, processes, pools."""
