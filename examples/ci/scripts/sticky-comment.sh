#!/bin/sh
# Post a pull request's reconciler comment, or update the one posted before (a "sticky" comment).
#
# Usage: sticky-comment.sh PR_NUMBER BODY_FILE
#
# The comment is found by the marker line BODY_FILE holds (`<!-- reconciler-plan:STACK -->`,
# which reconciler's Markdown ends with) among the comments written by COMMENT_AUTHOR (default
# github-actions[bot], the author of comments made with the workflow's GITHUB_TOKEN), so a person
# quoting it is never overwritten and each stack of the repository keeps its own comment.
#
# Needs the GitHub CLI (`gh`, on GitHub's runners) with GH_TOKEN, and GITHUB_REPOSITORY (owner/name).
set -eu

here=$(dirname "$0")
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$here/lib.sh"

if [ $# -ne 2 ]; then
    say "usage: sticky-comment.sh PR_NUMBER BODY_FILE"
    exit 1
fi
pr=$1
body=$2
repo=$(require_gh_repo)
marker=$(marker_of "$body")
if [ -z "$marker" ]; then
    say "$body has no reconciler marker line; refusing to post a comment that could never be updated"
    exit 1
fi

MARKER=$marker AUTHOR=${COMMENT_AUTHOR:-github-actions[bot]}
export MARKER AUTHOR
ids=$(gh api --paginate "repos/$repo/issues/$pr/comments?per_page=100" \
    --jq '.[] | select(.user.login == env.AUTHOR and (.body | contains(env.MARKER))) | .id')
id=$(printf '%s\n' "$ids" | sed -n '1p')

if [ -n "$id" ]; then
    url=$(gh api --method PATCH "repos/$repo/issues/comments/$id" -F "body=@$body" --jq .html_url)
    say "updated the reconciler comment: $url"
else
    url=$(gh api --method POST "repos/$repo/issues/$pr/comments" -F "body=@$body" --jq .html_url)
    say "posted the reconciler comment: $url"
fi
