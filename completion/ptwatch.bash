# bash completion for ptwatch(1): commands, their options, PIDs for show
# and reclaim pid, file names after --socket, --sysctl-root, --proc-root.
# tests/host/t-cli-docs.sh checks the options against `ptwatch help CMD`.
_ptwatch()
{
	local cur prev cmd i pids
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	pids() { ls /proc | grep -E '^[0-9]+$'; }
	case $prev in
	-s | --socket | --sysctl-root | --proc-root)
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	--sort)
		COMPREPLY=($(compgen -W 'waste pte rss' -- "$cur"))
		return
		;;
	-n | -d | --rows | --delay | --duration | --iterations | --reason)
		return
		;;
	-p | --pid)
		COMPREPLY=($(compgen -W "$(pids)" -- "$cur"))
		return
		;;
	esac
	cmd=
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-s | --socket) ((i++)) ;;
		-*) ;;
		*)
			cmd=${COMP_WORDS[i]}
			break
			;;
		esac
	done
	case $cmd in
	'')
		COMPREPLY=($(compgen -W 'snapshot top show status record reclaim
			help -s --socket --no-daemon -j --json -h --help -V
			--version' -- "$cur"))
		;;
	snapshot)
		COMPREPLY=($(compgen -W '-n --rows --sort -w --wide -j --json
			-h --help' -- "$cur"))
		;;
	top)
		COMPREPLY=($(compgen -W '-d --delay -n --iterations --once
			--rows --sort -w --wide -j --json -h --help' -- "$cur"))
		;;
	show)
		COMPREPLY=($(compgen -W "--exact --pagemap -j --json -h --help
			$(pids)" -- "$cur"))
		;;
	status) COMPREPLY=($(compgen -W '-j --json -h --help' -- "$cur")) ;;
	record)
		COMPREPLY=($(compgen -W '-d --duration -p --pid -n --rows -j
			--json -h --help' -- "$cur"))
		;;
	reclaim)
		if [[ " ${COMP_WORDS[*]:i+1:COMP_CWORD-i-1} " == *" pid "* ]]; then
			COMPREPLY=($(compgen -W "--dry-run --reason --pagemap
				--no-census --proc-root -j --json -h --help
				$(pids)" -- "$cur"))
		else
			COMPREPLY=($(compgen -W 'on off auto status pid
				--sysctl-root -j --json -h --help' -- "$cur"))
		fi
		;;
	help)
		COMPREPLY=($(compgen -W 'snapshot top show status record reclaim
			help -h --help' -- "$cur"))
		;;
	esac
}
complete -F _ptwatch ptwatch
