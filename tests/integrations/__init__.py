"""Tests of the integrations in integrations/."""
