<?php
/*
 * router.php: PHP's built-in server in front of Debian's WordPress for the
 * tests.  The docroot (IGNY8_WP_ROOT) links to /usr/share/wordpress but has
 * its own wp-config.php; defining ABSPATH here makes wp-load.php read that
 * one instead of Debian's, which wants a file in /etc/wordpress.
 * Files are served as they are; any other path is WordPress's (pretty
 * permalinks, so /wp-json/ reaches the REST API).
 */
define('ABSPATH', getenv('IGNY8_WP_ROOT') . '/');
$path = parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH);
$file = ABSPATH . ltrim(urldecode($path), '/');
if ($path !== '/' && is_file($file)) {
	if (substr($file, -4) !== '.php')
		return false;
	$_SERVER['SCRIPT_NAME'] = $path;
	$_SERVER['SCRIPT_FILENAME'] = $file;
	chdir(dirname($file));
	require $file;
	return true;
}
$_SERVER['SCRIPT_NAME'] = '/index.php';
$_SERVER['SCRIPT_FILENAME'] = ABSPATH . 'index.php';
require ABSPATH . 'index.php';
