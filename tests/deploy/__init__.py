"""Tests of the deployment recipes in deploy/."""
