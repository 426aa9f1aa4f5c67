<?php
/*
 * fast.php: a must-use plugin of the test site: uploads are stored as
 * sent, without the resized copies WordPress makes for themes (seconds of
 * CPU per image on a shared test machine, and nothing the tests read).
 */
add_filter('intermediate_image_sizes_advanced', '__return_empty_array');
add_filter('big_image_size_threshold', '__return_false');
add_filter('wp_image_editors', '__return_empty_array');
