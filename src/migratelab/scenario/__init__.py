"""Scenarios: the ops language shared by the real-kernel harness, the simulator and
level files, plus the runner that applies ops to a simulated kernel."""
