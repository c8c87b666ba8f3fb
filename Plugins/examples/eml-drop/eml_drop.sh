#!/usr/bin/env bash
# Turns .eml files dropped into a directory into ListeningPost events: an exec plugin
# (docs/exec-protocol.md) in bash, with jq for the JSON.
#
#   eml_drop.sh INBOX [DONE]
#
# Each file is sent as one message line; the gateway answers every line on stdin, and a
# file moves to DONE (default INBOX/done) only after its ack, that is, after commit. A file
# the gateway refused moves to INBOX/rejected with the reason beside it. So the directory
# is the checkpoint: after any restart, whatever is still in INBOX is sent again, and the
# gateway's dedup (on Message-ID) stores it once.
#
# Headers are read as written (unfolded lines, no MIME decoding): for real mailboxes use
# the imap channel. This plugin is the small example of the protocol in a shell.
set -euo pipefail

inbox=${1:?usage: eml_drop.sh INBOX [DONE]}
done_dir=${2:-$inbox/done}
rejected_dir=$inbox/rejected
batch=${EML_DROP_BATCH:-50}
mkdir -p "$done_dir" "$rejected_dir"

# The gateway speaks first.
IFS= read -r hello || exit 0
case $hello in *'"type":"hello"'*) ;; *) echo "expected a hello line, got: $hello" >&2; exit 1 ;; esac

message_line() { # message_line FILE: one protocol line for the file
    local file=$1 line name value id="" from="" subject="" date="" email occurred=""
    # The header block, read with builtins: one process per file is jq's.
    while IFS= read -r line; do
        line=${line%$'\r'}
        [ -z "$line" ] && break
        name=${line%%:*}
        value=${line#*:}
        value=${value#"${value%%[![:space:]]*}"}
        case ${name,,} in
        message-id) [ -n "$id" ] || id=$value ;;
        from) [ -n "$from" ] || from=$value ;;
        subject) [ -n "$subject" ] || subject=$value ;;
        date) [ -n "$date" ] || date=$value ;;
        esac
    done < "$file"
    [ -n "$id" ] || id="sha256:$(sha256sum "$file" | cut -c1-64)"
    email=$from
    if [[ $from =~ \<([^>]*)\> ]]; then email=${BASH_REMATCH[1]}; fi
    if [ -n "$date" ]; then occurred=$(date -u -d "$date" +%Y-%m-%dT%H:%M:%SZ 2>/dev/null || true); fi
    # The body is everything after the first empty line; jq reads the whole file and
    # cuts it there, so the text is exactly what was written.
    jq -cRs --arg ref "${file##*/}" --arg id "$id" --arg email "$email" \
        --arg subject "$subject" --arg occurred "$occurred" '
        (gsub("\r"; "") | index("\n\n") as $cut | if $cut == null then "" else .[($cut + 2):] end) as $text
        | {v: 1, type: "message", ref: $ref, dedupKey: $id, text: $text, metadata: {file: $ref}}
        + (if $subject != "" then {subject: $subject} else {} end)
        + (if $email != "" then {author: {email: $email}} else {} end)
        + (if $occurred != "" then {occurredAt: $occurred} else {} end)' "$file"
}

while true; do
    mapfile -t files < <(find "$inbox" -maxdepth 1 -type f -name '*.eml' | sort | head -n "$batch")
    if [ ${#files[@]} -gt 0 ]; then
        for file in "${files[@]}"; do message_line "$file"; done
        # One reply per line sent, in order: move each file by its answer.
        for file in "${files[@]}"; do
            IFS= read -r reply || exit 0
            case $reply in
            *'"type":"ack"'*) mv -f "$file" "$done_dir/" ;;
            *) mv -f "$file" "$rejected_dir/" && printf '%s\n' "$reply" > "$rejected_dir/$(basename "$file").error" ;;
            esac
        done
    else
        # Wait for new files; a read that ends at EOF means the gateway has gone.
        if IFS= read -r -t 1 unexpected; then
            echo "unexpected line from the gateway: $unexpected" >&2
        elif [ $? -le 128 ]; then
            exit 0
        fi
    fi
done
