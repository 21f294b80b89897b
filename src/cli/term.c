// SPDX-License-Identifier: GPL-2.0
/* The terminal's size and top's full-screen mode (term.h). */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "term.h"

static int env_count(const char *name)
{
	const char *s = getenv(name);
	char *end;
	long v;

	if (!s || !*s)
		return -1;
	v = strtol(s, &end, 10);
	return *end || v < 1 || v > 100000 ? -1 : (int)v;
}

static int winsize(bool cols)
{
	struct winsize ws;

	if (!isatty(STDOUT_FILENO) || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws))
		return 0;
	return cols ? ws.ws_col : ws.ws_row;
}

int term_width(void)
{
	int v = env_count("COLUMNS");

	return v > 0 ? v : winsize(true);
}

int term_height(void)
{
	int v = env_count("LINES");

	return v > 0 ? v : winsize(false);
}

bool term_is_screen(void)
{
	const char *t = getenv("TERM");

	return isatty(STDOUT_FILENO) && t && *t && strcmp(t, "dumb") != 0;
}

static struct termios saved;
static volatile int saved_tty, on_screen;

/* tcsetattr() with SIGTTOU blocked: from a job the shell has already put
 * in the background (Ctrl-Z stopped the rest of it first) it must still
 * go through, not stop us a second time. */
static void set_tty(const struct termios *t)
{
	sigset_t ttou, old;

	sigemptyset(&ttou);
	sigaddset(&ttou, SIGTTOU);
	sigprocmask(SIG_BLOCK, &ttou, &old);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, t);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

static void put(const char *s)
{
	if (write(STDOUT_FILENO, s, strlen(s)) < 0)
		(void)0; /* nothing left to tell anyone */
}

void term_screen_enter(void)
{
	struct termios raw;

	if (isatty(STDIN_FILENO) && !tcgetattr(STDIN_FILENO, &saved)) {
		raw = saved;
		raw.c_lflag &= ~(ICANON | ECHO);
		raw.c_cc[VMIN] = 1;
		raw.c_cc[VTIME] = 0;
		set_tty(&raw);
		saved_tty = 1;
	}
	/* alternate screen, cursor hidden */
	put("\033[?1049h\033[?25l");
	on_screen = 1;
}

void term_screen_leave(void)
{
	if (on_screen) {
		on_screen = 0;
		put("\033[?25h\033[?1049l");
	}
	if (saved_tty) {
		saved_tty = 0;
		set_tty(&saved);
	}
}

int term_write_lines(FILE *out, const char *text, int width, int max_lines,
		     bool screen)
{
	int n = 0;

	while (*text && (!max_lines || n < max_lines)) {
		size_t len = strcspn(text, "\n");
		size_t cut = width > 0 && len > (size_t)width ? (size_t)width :
								len;

		fwrite(text, 1, cut, out);
		fputs(screen ? "\033[K\n" : "\n", out);
		n++;
		text += len + (text[len] == '\n');
	}
	if (screen)
		fputs("\033[J", out);
	return n;
}

/* Where to break s so that it fits in room: after the last "; " that
 * does, else at the last space, else nowhere (0). */
static size_t fold_at(const char *s, size_t room)
{
	size_t best = 0;

	for (size_t i = 0; s[i] && i < room; i++)
		if (s[i] == ';' && s[i + 1] == ' ' && i + 1 <= room)
			best = i + 2;
	for (size_t i = room; !best && i > 0; i--)
		if (s[i] == ' ')
			best = i + 1;
	return best;
}

void term_fold(FILE *out, int indent, const char *label, const char *text,
	       int width)
{
	int lead = indent + (int)strlen(label);

	fprintf(out, "%*s%s", indent, "", label);
	while (width > lead && (int)strlen(text) > width - lead) {
		size_t cut = fold_at(text, width - lead);

		if (!cut)
			break;
		/* the break's space stays behind */
		fprintf(out, "%.*s\n%*s", (int)cut - 1, text, lead, "");
		text += cut;
	}
	fprintf(out, "%s\n", text);
}
