#!/bin/sh
# Download the plan that was reviewed on the pull request a commit on the main branch merged.
#
# Usage: fetch-plan.sh COMMIT_SHA [DIR]           (default DIR: reviewed; the plan is DIR/plan.json)
#
# The plan workflow uploads each pull request's plan as the artifact `reconciler-plan-HEAD_SHA`
# (the pull request's head commit). This finds the merged pull request of COMMIT_SHA
# (GET /repos/R/commits/SHA/pulls: a merge, squash or rebase commit all name it), takes the newest
# unexpired artifact of that name and downloads it. No pull request, or no plan for its last
# commit (the plan job failed or never ran, or the artifact expired): exit 1, nothing is applied.
#
# Needs the GitHub CLI (`gh`) with GH_TOKEN (actions: read, pull-requests: read), GITHUB_REPOSITORY,
# and BASE_BRANCH (default: GITHUB_REF_NAME, then main).
set -eu

here=$(dirname "$0")
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$here/lib.sh"

if [ $# -lt 1 ]; then
    say "usage: fetch-plan.sh COMMIT_SHA [DIR]"
    exit 1
fi
sha=$1
dir=${2:-reviewed}
repo=$(require_gh_repo)
BASE=${BASE_BRANCH:-${GITHUB_REF_NAME:-main}}
export BASE

head=$(gh api "repos/$repo/commits/$sha/pulls" \
    --jq '[.[] | select(.merged_at != null and .base.ref == env.BASE)][0].head.sha // empty')
if [ -z "$head" ]; then
    annotate error "commit $sha is not the merge of a pull request into $BASE: there is no reviewed plan to apply"
    exit 1
fi
name="reconciler-plan-$head"
run=$(gh api "repos/$repo/actions/artifacts?name=$name&per_page=100" \
    --jq '[.artifacts[] | select(.expired | not)][0].workflow_run.id // empty')
if [ -z "$run" ]; then
    annotate error "no artifact $name: the plan of the pull request's last commit did not succeed, or it expired; plan again in a new pull request"
    exit 1
fi
mkdir -p "$dir"
gh run download "$run" --repo "$repo" --name "$name" --dir "$dir"
if [ ! -f "$dir/plan.json" ]; then
    annotate error "artifact $name holds no plan.json"
    exit 1
fi
say "fetched the plan reviewed on $head (run $run) into $dir/plan.json"
