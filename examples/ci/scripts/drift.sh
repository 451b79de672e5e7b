#!/bin/sh
# Check a stack for drift, writing the report as Markdown (the body of the drift issue).
#
# Usage: drift.sh [SPECS_DIR] [REPORT_FILE]      (default: specs drift-report.md)
#
# Runs `reconciler drift SPECS_DIR --format markdown --max-chars N`. reconciler exits 0 in sync,
# 2 with drift (changed outside git) or pending changes (git not applied yet), 1 on an error.
#
# Exit status: 0 when the check ran, in sync or not: the output `status` says which (`in-sync` or
# `drift`); 1 when it could not run (the report file is then removed).
#
# Environment: RECONCILER (the command), RECONCILER_MAX_CHARS (default 65000; 0: none),
# RECONCILER_DETAILS_URL (linked from a shortened report), GITHUB_OUTPUT, GITHUB_STEP_SUMMARY.
set -u

here=$(dirname "$0")
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$here/lib.sh"

specs=${1:-specs}
report=${2:-drift-report.md}
max_chars=${RECONCILER_MAX_CHARS:-65000}

set -- drift "$specs" --format markdown
if [ "$max_chars" != 0 ]; then
    set -- "$@" --max-chars "$max_chars"
    if [ -n "${RECONCILER_DETAILS_URL:-}" ]; then
        set -- "$@" --details-url "$RECONCILER_DETAILS_URL"
    fi
fi

status=0
reconciler "$@" >"$report" || status=$?
case $status in
    0) output status in-sync ;;
    2) output status drift ;;
    *)
        rm -f "$report"
        annotate error "reconciler drift failed (exit $status); see the errors above"
        exit 1
        ;;
esac
cat "$report"
summary "$report"
exit 0
