"""Exports: a stack's desired AWS resources written in another tool's format, offline and pure.

Each module takes the validated stack and its expansion (`reconciler.kinds.expand`) and returns
what to write plus warnings for what the format cannot express; the command (`reconciler export`,
in `reconciler/commands/export.py`) loads, expands, prints and writes. `ack` writes Kubernetes
custom resources for the AWS Controllers for Kubernetes.
"""
