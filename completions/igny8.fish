# igny8.fish: fish completion for igny8, igny8-cluster, igny8-ideas,
# igny8-write and igny8-image.  Installed once per command name in fish's
# vendor_completions.d.  The option lists follow each program's --help;
# tests/e2e/9100-completion.t fails when they drift apart.

# Model names of the given kinds (text, embed, image): the models in
# effect for the functions of that kind (functions.*.model, image.model)
# and, for images, the models with rules (image_models.*), as igny8's own
# settings loader resolves them (`igny8 config`).
function __igny8_models
    set -l e
    for k in $argv
        switch $k
            case text
                set -a e -e 's/^functions\.\(cluster\|ideas\|write\|image_prompts\)\.model = \([^	]*\)	.*/\2/p'
            case embed
                set -a e -e 's/^functions\.embed\.model = \([^	]*\)	.*/\1/p'
            case image
                set -a e -e 's/^image\.model = \([^	]*\)	.*/\1/p' -e 's/^image_models\.\(.*\)\.[a-z_]* = .*/\1/p'
        end
    end
    igny8 config 2>/dev/null | sed -n $e | sort -u
end

# Setting keys in effect, as KEY= for --set KEY=VALUE.
function __igny8_keys
    igny8 config 2>/dev/null | sed -n 's/^\([^ ]*\) = .*/\1=/p'
end

# Ids of a workspace table (clusters, tasks, keywords), from `igny8 export`.
function __igny8_ids
    igny8 export $argv[1] 2>/dev/null | sed -n 's/^{"type":"[a-z_]*","id":\([0-9]*\),.*/\1/p'
end

set -l __igny8_functions cluster ideas write image_prompts image embed moderation

# -m offers the models of the kinds each stage uses.
complete -c igny8-cluster -s m -l model -x -a '(__igny8_models text embed)' -d 'model for this stage'
complete -c igny8-ideas -s m -l model -x -a '(__igny8_models text)' -d 'model for this stage'
complete -c igny8-write -s m -l model -x -a '(__igny8_models text)' -d 'model for this stage'
complete -c igny8-image -s m -l model -x -a '(__igny8_models image)' -d 'model for this stage'
complete -c igny8-publish -s m -l model -x -d 'model for this stage'

# Options every filter shares (lib/opt.c).
for c in igny8-cluster igny8-ideas igny8-write igny8-image igny8-publish
    complete -c $c -s w -l workspace -r -F -d 'workspace database'
    complete -c $c -s c -l config -r -F -d 'extra configuration file'
    complete -c $c -s j -l jobs -x -d 'requests in flight'
    complete -c $c -s q -l quiet -d 'no progress, notes or warnings'
    complete -c $c -s v -l verbose -d 'more detail'
    complete -c $c -l debug -d 'every step of every record'
    complete -c $c -l progress -x -a 'auto tty json none' -d 'progress on stderr'
    complete -c $c -s n -l dry-run -d 'show the requests, send nothing'
    complete -c $c -s k -l keep-going -d 'skip bad input records'
    complete -c $c -l no-cache -d 'do not use the response cache'
    complete -c $c -l refresh -d 'ignore cached answers'
    complete -c $c -l max-cost -x -d 'budget in USD'
    complete -c $c -l unordered -d 'write records as they finish'
    complete -c $c -l json -d 'JSON lines on stdout even on a terminal'
    complete -c $c -l prompt -r -F -d 'prompt file for this run'
    complete -c $c -l set -x -a '(__igny8_keys)' -d 'KEY=VALUE setting'
    complete -c $c -s h -l help -d 'short usage'
    complete -c $c -s V -l version -d 'print the version'
end

complete -c igny8-cluster -s a -l all -d 'every unclustered keyword'
complete -c igny8-cluster -l method -x -a 'auto ai local embed' -d 'how keywords are grouped'
complete -c igny8-cluster -s t -l threshold -x -d 'similarity threshold'
complete -c igny8-cluster -l keyword -x -d 'this keyword'
complete -c igny8-cluster -l ids -x -a '(__igny8_ids keywords)' -d 'these keywords of the workspace'
complete -c igny8-cluster -s f -l force -d 'let --rebuild delete clusters that have ideas'
complete -c igny8-cluster -l batch-size -x -d 'keywords per AI request'
complete -c igny8-cluster -l rebuild -d 'cluster again from scratch'
complete -c igny8-cluster -l emit -x -a 'clusters keywords' -d 'records to write'

complete -c igny8-ideas -s a -l all -d 'every cluster in the workspace'
complete -c igny8-ideas -l cluster -x -a '(__igny8_ids clusters)' -d 'this cluster id'
complete -c igny8-ideas -l count -x -d 'ideas per cluster'
complete -c igny8-ideas -l more -d 'add ideas to clusters that have some'
complete -c igny8-ideas -l topic -x -d 'ideas for this topic'
complete -c igny8-ideas -l batch -d 'queue the requests for the Batch API'

complete -c igny8-write -s a -l all -d 'every queued, failed or abandoned task'
complete -c igny8-write -l queued -d 'every queued, failed or abandoned task (old name of --all)'
complete -c igny8-write -l title -x -d 'write an article with this title'
complete -c igny8-write -l task -x -a '(__igny8_ids tasks)' -d 'this task id'
complete -c igny8-write -l words -x -d 'target length'
complete -c igny8-write -l tone -x -a 'informative friendly formal' -d 'tone'
complete -c igny8-write -l language -x -d 'language of the article'
complete -c igny8-write -l audience -x -d 'who it is written for'
complete -c igny8-write -l format -x -a 'html markdown' -d 'body format'
complete -c igny8-write -l moderate -d 'check with the moderation endpoint'
complete -c igny8-write -l batch -d 'queue the requests for the Batch API'

complete -c igny8-image -s a -l all -d 'every article still without images'
complete -c igny8-image -l pending -d 'every article still without images (old name of --all)'
complete -c igny8-image -l task -x -a '(__igny8_ids tasks)' -d 'this task id'
complete -c igny8-image -l max-images -x -d 'images per article'
complete -c igny8-image -l provider -x -a 'openai runware' -d 'image API'
complete -c igny8-image -l insert -d 'insert the images into the article'
complete -c igny8-image -l batch -d 'queue the prompt extraction for the Batch API'

complete -c igny8-publish -s a -l all -d 'every article in the workspace'
complete -c igny8-publish -l task -x -d 'this task id'
complete -c igny8-publish -l to -x -a 'wordpress hugo jekyll astro' -d 'where to publish'
complete -c igny8-publish -l dir -x -a '(__fish_complete_directories)' -d 'the static site root'
complete -c igny8-publish -l status -x -a 'draft publish pending future' -d 'post status'
complete -c igny8-publish -l date -x -d 'publication date, UTC'
complete -c igny8-publish -l recreate -d 'make a post deleted on the site again'

# igny8: global options, then a subcommand.
set -l __igny8_cmds audit batch config costs doctor export import init log merge models prompts report runs status tasks cluster ideas write image publish
set -l __igny8_nosub "not __fish_seen_subcommand_from $__igny8_cmds"
complete -c igny8 -f
complete -c igny8 -n $__igny8_nosub -s w -l workspace -r -F -d 'workspace database'
complete -c igny8 -n $__igny8_nosub -s c -l config -r -F -d 'configuration file'
complete -c igny8 -n $__igny8_nosub -s q -l quiet -d 'no notes or warnings'
complete -c igny8 -n $__igny8_nosub -s v -l verbose -d 'more notes'
complete -c igny8 -n $__igny8_nosub -s V -l version -d 'print the version'
complete -c igny8 -n $__igny8_nosub -s h -l help -d 'short usage'
complete -c igny8 -n $__igny8_nosub -a config -d 'the resolved settings'
complete -c igny8 -n $__igny8_nosub -a audit -d 'check the saved articles again'
complete -c igny8 -n $__igny8_nosub -a costs -d 'tokens and spend of the AI calls'
complete -c igny8 -n $__igny8_nosub -a doctor -d 'the status of every configured model'
complete -c igny8 -n $__igny8_nosub -a export -d 'a table as JSON lines'
complete -c igny8 -n $__igny8_nosub -a import -d 'import keywords'
complete -c igny8 -n $__igny8_nosub -a init -d 'create the workspace'
complete -c igny8 -n $__igny8_nosub -a log -d 'the AI calls of a run'
complete -c igny8 -n $__igny8_nosub -a merge -d 'merge another workspace'
complete -c igny8 -n $__igny8_nosub -a models -d 'the models a provider offers'
complete -c igny8 -n $__igny8_nosub -a prompts -d 'list, show, set or reset prompts'
complete -c igny8 -n $__igny8_nosub -a batch -d 'Batch API batches: status, collect'
complete -c igny8 -n $__igny8_nosub -a report -d 'the workspace as a static site'
complete -c igny8 -n $__igny8_nosub -a runs -d 'the last runs'
complete -c igny8 -n $__igny8_nosub -a status -d 'row counts by status'
complete -c igny8 -n $__igny8_nosub -a tasks -d 'list, requeue or delete tasks'
complete -c igny8 -n $__igny8_nosub -a 'cluster ideas write image publish' -d 'run igny8-COMMAND'

for s in $__igny8_cmds
    complete -c igny8 -n "__fish_seen_subcommand_from $s" -s h -l help -d 'short usage'
end
set -l n '__fish_seen_subcommand_from config'
complete -c igny8 -n $n -s j -l json -d 'as JSON lines'
complete -c igny8 -n '__fish_seen_subcommand_from doctor' -s j -l json -d 'as JSON lines'
set n '__fish_seen_subcommand_from models'
complete -c igny8 -n $n -s j -l json -d 'as JSON lines'
complete -c igny8 -n $n -a 'openai runware' -d 'provider'
set n '__fish_seen_subcommand_from prompts'
complete -c igny8 -n $n -a 'list show set reset cluster ideas write image_prompts image negative'
set n '__fish_seen_subcommand_from report'
complete -c igny8 -n $n -l html -x -a '(__fish_complete_directories)' -d 'the folder to write'
set n '__fish_seen_subcommand_from audit'
complete -c igny8 -n $n -s t -l task -x -a '(__igny8_ids tasks)' -d 'the article of this task'
complete -c igny8 -n $n -s j -l json -d 'one JSON record per article'
set n '__fish_seen_subcommand_from costs'
complete -c igny8 -n $n -s b -l by -x -a 'function model day' -d 'group by'
complete -c igny8 -n $n -s s -l since -x -a 'today yesterday 24h 7d 30d' -d 'YYYY-MM-DD, today, yesterday or an age'
complete -c igny8 -n $n -s j -l json -d 'as JSON'
set n '__fish_seen_subcommand_from export'
complete -c igny8 -n $n -a 'keywords clusters ideas tasks content images runs calls batches prompts'
complete -c igny8 -n $n -s s -l status -x -a 'queued running done failed flagged draft pending ok cached error refused truncated' -d 'rows with this status'
complete -c igny8 -n $n -s r -l run -x -d 'rows written by run ID'
complete -c igny8 -n $n -s c -l cluster -x -a '(__igny8_ids clusters)' -d 'rows of cluster ID'
complete -c igny8 -n $n -s f -l function -x -a "$__igny8_functions" -d 'rows of function F'
set n '__fish_seen_subcommand_from import'
complete -c igny8 -n $n -F
complete -c igny8 -n $n -s f -l format -x -a 'auto jsonl text csv' -d 'input format'
complete -c igny8 -n $n -s s -l sector -x -d 'sector for rows that name none'
complete -c igny8 -n $n -s n -l dry-run -d 'save nothing'
complete -c igny8 -n $n -s k -l keep-going -d 'skip bad rows'
set n '__fish_seen_subcommand_from log'
complete -c igny8 -n $n -s r -l run -x -d 'run ID'
complete -c igny8 -n $n -s l -l last -d 'the last run'
complete -c igny8 -n $n -s f -l function -x -a "$__igny8_functions" -d 'calls of function F'
complete -c igny8 -n $n -s o -l outcome -x -a 'ok cached error refused truncated' -d 'calls with this outcome'
complete -c igny8 -n $n -s s -l steps -d 'each call\'s steps'
complete -c igny8 -n $n -s S -l show -x -a '(__igny8_ids calls)' -d 'one call with its request and answer'
complete -c igny8 -n $n -s j -l json -d 'one call per line'
complete -c igny8 -n '__fish_seen_subcommand_from merge' -F
set n '__fish_seen_subcommand_from tasks'
complete -c igny8 -n "$n; and not __fish_seen_subcommand_from requeue delete" -a 'requeue delete'
complete -c igny8 -n "$n; and __fish_seen_subcommand_from requeue delete" -a '(__igny8_ids tasks)'
complete -c igny8 -n $n -s s -l status -x -a 'queued running done failed flagged' -d 'tasks with this status'
set n '__fish_seen_subcommand_from runs'
complete -c igny8 -n $n -s n -l number -x -d 'how many runs'
complete -c igny8 -n $n -s j -l json -d 'as JSON'
complete -c igny8 -n '__fish_seen_subcommand_from status' -s j -l json -d 'as JSON'
complete -c igny8 -n '__fish_seen_subcommand_from status' -l watch -d 'the running stages, live'
set n '__fish_seen_subcommand_from batch'
complete -c igny8 -n $n -a 'status collect'
complete -c igny8 -n $n -s J -l json -d 'as JSON'
complete -c igny8 -n $n -s r -l resubmit -d 'failed requests into a new batch'
complete -c igny8 -n $n -s j -l jobs -x -d 'requests in flight'
