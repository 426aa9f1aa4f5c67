<?php
/*
 * wp-config.php: a throwaway WordPress for the tests, its database on a
 * private MariaDB socket and its uploads in the test's folder.  The
 * environment type 'local' lets Application Passwords work over plain
 * HTTP (wp_is_application_passwords_available()).
 */
define('DB_NAME', 'wp');
define('DB_USER', 'root');
define('DB_PASSWORD', '');
define('DB_HOST', 'localhost:' . getenv('IGNY8_WP_SOCK'));
define('DB_CHARSET', 'utf8mb4');
define('DB_COLLATE', '');
define('WP_ENVIRONMENT_TYPE', 'local');
define('WP_HOME', getenv('IGNY8_WP_URL'));
define('WP_SITEURL', getenv('IGNY8_WP_URL'));
define('WP_CONTENT_DIR', ABSPATH . 'wp-content');
define('WP_CONTENT_URL', getenv('IGNY8_WP_URL') . '/wp-content');
define('WP_DEBUG', false);
define('WP_DEBUG_DISPLAY', false);
define('DISABLE_WP_CRON', true);
define('AUTOMATIC_UPDATER_DISABLED', true);
define('WP_HTTP_BLOCK_EXTERNAL', true);
define('AUTH_KEY', 'igny8-test'); define('SECURE_AUTH_KEY', 'igny8-test');
define('LOGGED_IN_KEY', 'igny8-test'); define('NONCE_KEY', 'igny8-test');
define('AUTH_SALT', 'igny8-test'); define('SECURE_AUTH_SALT', 'igny8-test');
define('LOGGED_IN_SALT', 'igny8-test'); define('NONCE_SALT', 'igny8-test');
$table_prefix = 'wp_';
require_once ABSPATH . 'wp-settings.php';
