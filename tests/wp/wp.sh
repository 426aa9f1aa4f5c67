# tests/wp/wp.sh: a real WordPress on 127.0.0.1 for the tests, sourced
# after tests/lib.sh.  Debian's wordpress package served by PHP's built-in
# server, its database in a private MariaDB (no network, no grant tables)
# whose data dir lives in $T; both are stopped by wp_stop.
#   wp_start   sets WP_URL, WP_USER, WP_PASS (an Application Password);
#              returns 1, with the reason, when anything is missing.
#   wp_get PATH [JQ_PY_EXPR]   GET /wp-json/wp/v2/PATH as the editor.

WP_PIDS=

wp_stop() {
	# Each server leads its own process group (setsid): PHP's workers
	# outlive their parent otherwise.
	for _p in $WP_PIDS; do
		kill -TERM "-$_p" 2>/dev/null || kill -TERM "$_p" 2>/dev/null
	done
	for _p in $WP_PIDS; do
		_i=0
		while kill -0 "$_p" 2>/dev/null && [ "$_i" -lt 400 ]; do
			sleep 0.05
			_i=$((_i + 1))
		done
		kill -KILL "-$_p" 2>/dev/null
	done
	WP_PIDS=
}

# _wp_port: a free TCP port on 127.0.0.1.
_wp_port() {
	"$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wp_start() {
	_w=$T/wp
	for _need in /usr/share/wordpress/wp-settings.php mariadbd php; do
		if [ ! -e "$_need" ] && ! command -v "$_need" >/dev/null 2>&1; then
			diag "wp_start: $_need is missing (scripts/deps test installs it)"
			return 1
		fi
	done
	if ! php -m | grep -qx mysqli; then
		diag "wp_start: PHP has no mysqli (package php-mysql)"
		return 1
	fi
	mkdir -p "$_w/db" "$_w/root/wp-content/uploads" "$_w/root/wp-content/mu-plugins"
	cp "$TESTS/wp/fast.php" "$_w/root/wp-content/mu-plugins/"
	for _f in /usr/share/wordpress/*; do
		case ${_f##*/} in wp-config.php | wp-content) continue ;; esac
		ln -s "$_f" "$_w/root/${_f##*/}"
	done
	ln -s /usr/share/wordpress/wp-content/plugins "$_w/root/wp-content/plugins"
	ln -s /usr/share/wordpress/wp-content/themes "$_w/root/wp-content/themes"
	cp "$TESTS/wp/wp-config.php" "$_w/root/wp-config.php"
	IGNY8_WP_ROOT=$_w/root
	IGNY8_WP_SOCK=$_w/mysql.sock
	setsid mariadbd --no-defaults --datadir="$_w/db" --socket="$IGNY8_WP_SOCK" \
		--skip-networking --skip-grant-tables --user="$(id -un)" \
		--pid-file="$_w/mysqld.pid" --innodb-log-file-size=4M \
		--innodb-buffer-pool-size=16M --log-error="$_w/mysqld.err" 2>>"$_w/mysqld.err" &
	WP_PIDS="$WP_PIDS $!"
	_i=0
	while [ ! -S "$IGNY8_WP_SOCK" ]; do
		if [ "$_i" -ge 300 ]; then
			diag "wp_start: MariaDB did not start"
			_diag_file "$_w/mysqld.err"
			return 1
		fi
		sleep 0.1
		_i=$((_i + 1))
	done
	mariadb --no-defaults --socket="$IGNY8_WP_SOCK" -uroot \
		-e 'CREATE DATABASE wp CHARACTER SET utf8mb4' || return 1
	_port=$(_wp_port)
	WP_URL=http://127.0.0.1:$_port
	IGNY8_WP_URL=$WP_URL
	export IGNY8_WP_ROOT IGNY8_WP_SOCK IGNY8_WP_URL
	if ! WP_PASS=$(php -d display_errors=stderr "$TESTS/wp/install.php" 2>"$_w/install.err"); then
		diag "wp_start: installing WordPress failed"
		_diag_file "$_w/install.err"
		return 1
	fi
	WP_USER=editor
	# PHP_CLI_SERVER_WORKERS: requests in parallel (--jobs).
	# OPcache: the workers share compiled WordPress instead of compiling it
	# for every request.
	PHP_CLI_SERVER_WORKERS=4 setsid php -d display_errors=0 -d upload_max_filesize=64M \
		-d opcache.enable_cli=1 -d opcache.memory_consumption=64 \
		-d post_max_size=64M -S "127.0.0.1:$_port" -t "$IGNY8_WP_ROOT" \
		"$TESTS/wp/router.php" >"$_w/php.log" 2>&1 &
	WP_PIDS="$WP_PIDS $!"
	_i=0
	until curl -sf -o /dev/null "$WP_URL/wp-json/"; do
		if [ "$_i" -ge 100 ]; then
			diag "wp_start: WordPress does not answer at $WP_URL/wp-json/"
			_diag_file "$_w/php.log"
			return 1
		fi
		sleep 0.1
		_i=$((_i + 1))
	done
	export WP_URL WP_USER WP_PASS
}

wp_get() {
	curl -sf -u "$WP_USER:$WP_PASS" "$WP_URL/wp-json/wp/v2/$1" >"$T/wp.get" || return 1
	if [ -n "${2:-}" ]; then
		jq_py "$2" "$T/wp.get"
	else
		cat "$T/wp.get"
	fi
}

# The servers stop with the test, whatever way it ends.
_wp_cleanup() {
	_wrc=$?
	wp_stop
	(exit "$_wrc")
	cleanup
}
trap _wp_cleanup EXIT

# wp_total PATH: how many items GET PATH has in all (its X-WP-Total header).
wp_total() {
	curl -sf -u "$WP_USER:$WP_PASS" -D "$T/wp.hdr" -o /dev/null "$WP_URL/wp-json/wp/v2/$1" &&
		tr -d '\r' <"$T/wp.hdr" | sed -n 's/^[Xx]-[Ww][Pp]-[Tt]otal: //p'
}
