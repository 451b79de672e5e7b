"""A Kubeflow Pipelines v2 component that plans a stack, checks the plan and applies exactly it.

`step` is the program the component runs (standard library only, the guardrails in
`step.check_plan`); `component` defines the component on the reconciler image; `pipeline` is an
example pipeline (a training placeholder, then the reconcile step). Only `component` and
`pipeline` import `kfp`.
"""
