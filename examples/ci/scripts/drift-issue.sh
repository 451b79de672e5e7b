#!/bin/sh
# Keep one issue per stack for drift: open or update it while drifted, close it once in sync.
#
# Usage: drift-issue.sh STATUS REPORT_FILE        (STATUS: `drift` or `in-sync`, as drift.sh outputs it)
#
# The issue is the open one labelled DRIFT_LABEL (default reconciler-drift) whose title is
# "reconciler drift: stack STACK" or whose body holds the report's marker line
# (`<!-- reconciler-drift:STACK -->`). With drift its body becomes the new report (opened, with the
# label, when there is none); in sync it gets the report as a comment and is closed.
#
# Needs the GitHub CLI (`gh`) with GH_TOKEN, and GITHUB_REPOSITORY (owner/name).
set -eu

here=$(dirname "$0")
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$here/lib.sh"

if [ $# -ne 2 ]; then
    say "usage: drift-issue.sh drift|in-sync REPORT_FILE"
    exit 1
fi
status=$1
report=$2
repo=$(require_gh_repo)
label=${DRIFT_LABEL:-reconciler-drift}
marker=$(marker_of "$report")
case $marker in
    "<!-- reconciler-drift:"*) ;;
    *)
        say "$report is not a reconciler drift report (no drift marker line)"
        exit 1
        ;;
esac
stack=${marker#<!-- reconciler-drift:}
stack=${stack% -->}
title="reconciler drift: stack $stack"

MARKER=$marker TITLE=$title
export MARKER TITLE
numbers=$(gh api --paginate "repos/$repo/issues?state=open&labels=$label&per_page=100" \
    --jq '.[] | select(.pull_request == null) | select(.title == env.TITLE or ((.body // "") | contains(env.MARKER))) | .number')
number=$(printf '%s\n' "$numbers" | sed -n '1p')

case $status in
    drift)
        if [ -n "$number" ]; then
            url=$(gh api --method PATCH "repos/$repo/issues/$number" -F "body=@$report" --jq .html_url)
            say "updated the drift issue: $url"
        else
            url=$(gh api --method POST "repos/$repo/issues" -f "title=$title" -F "body=@$report" \
                -f "labels[]=$label" --jq .html_url)
            say "opened a drift issue: $url"
        fi
        ;;
    in-sync)
        if [ -n "$number" ]; then
            gh api --method POST "repos/$repo/issues/$number/comments" -F "body=@$report" --jq .html_url >/dev/null
            url=$(gh api --method PATCH "repos/$repo/issues/$number" -f state=closed -f state_reason=completed \
                --jq .html_url)
            say "in sync again: closed $url"
        else
            say "in sync; no drift issue open"
        fi
        ;;
    *)
        say "unknown status $status (drift or in-sync)"
        exit 1
        ;;
esac
