<?php
/*
 * install.php: installs the test site (WP-CLI is not in Debian 12), sets
 * pretty permalinks so that /wp-json/ works, and prints an Application
 * Password for the admin user.  Run with php-cli, IGNY8_WP_* set.
 */
define('ABSPATH', getenv('IGNY8_WP_ROOT') . '/');
define('WP_INSTALLING', true);
$_SERVER['HTTP_HOST'] = parse_url(getenv('IGNY8_WP_URL'), PHP_URL_HOST);
$_SERVER['REQUEST_URI'] = '/';
error_reporting(E_ERROR);
require ABSPATH . 'wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
$r = wp_install('igny8 test site', 'editor', 'editor@example.invalid', false, '',
		wp_generate_password(24));
update_option('permalink_structure', '/%postname%/');
flush_rewrite_rules(true);
$made = WP_Application_Passwords::create_new_application_password($r['user_id'],
	array('name' => 'igny8'));
if (is_wp_error($made)) {
	fwrite(STDERR, "install.php: " . $made->get_error_message() . "\n");
	exit(1);
}
echo $made[0], "\n";
