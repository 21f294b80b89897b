# bash completion for ptwatch(8): commands, their options, PIDs for show
# and reclaim pid, file names after --socket and --sysctl-root.
_ptwatch()
{
	local cur prev cmd i
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	case $prev in
	--socket | --sysctl-root)
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	--sort)
		COMPREPLY=($(compgen -W 'waste pte rss' -- "$cur"))
		return
		;;
	-n | -d | --iterations | --reason)
		return
		;;
	-p)
		COMPREPLY=($(compgen -W "$(ls /proc | grep -E '^[0-9]+$')" -- "$cur"))
		return
		;;
	esac
	cmd=
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		--socket | --sysctl-root | --sort | -n | -d | -p | --iterations | --reason) ((i++)) ;;
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
			--socket --no-daemon --help --version' -- "$cur"))
		;;
	snapshot) COMPREPLY=($(compgen -W '--json -n --sort --help' -- "$cur")) ;;
	top) COMPREPLY=($(compgen -W '--json -n --sort -d --once --iterations --help' -- "$cur")) ;;
	show)
		COMPREPLY=($(compgen -W "--exact --pagemap --json --help
			$(ls /proc | grep -E '^[0-9]+$')" -- "$cur"))
		;;
	status) COMPREPLY=($(compgen -W '--json --help' -- "$cur")) ;;
	record) COMPREPLY=($(compgen -W '-d --json -p -n --help' -- "$cur")) ;;
	reclaim)
		if [[ " ${COMP_WORDS[*]:i+1:COMP_CWORD-i-1} " == *" pid "* ]]; then
			COMPREPLY=($(compgen -W "--json --reason
				$(ls /proc | grep -E '^[0-9]+$')" -- "$cur"))
		else
			COMPREPLY=($(compgen -W 'on off auto status pid --json
				--sysctl-root --help' -- "$cur"))
		fi
		;;
	esac
}
complete -F _ptwatch ptwatch
