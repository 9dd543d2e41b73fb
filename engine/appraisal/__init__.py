"""Appraisal cycles (考核): metrics from task history, scoring per scheme, calibration, appeals, the trigger.

The cycle itself is a workflow (definitions/appraisal_quarterly.yaml); this package provides the engine lists,
stages and hooks its steps name (hooks.py), and the read models, report and commands around it."""
