<?php
// The bench app on php-fpm: the same two routes, the same bytes.
$path = parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH);
if ($path === '/hello') {
    header('Content-Type: text/plain; charset=UTF-8');
    header('Content-Length: 13');
    echo 'Hello, world!';
} elseif ($path === '/bytes') {
    $n = isset($_GET['n']) ? max(0, (int) $_GET['n']) : 1048576;
    header('Content-Type: application/octet-stream');
    header('Content-Length: ' . $n);
    $chunk = str_repeat('a', 65536);
    while ($n > 0) {
        $size = min($n, 65536);
        echo $size === 65536 ? $chunk : substr($chunk, 0, $size);
        flush();
        $n -= $size;
    }
} else {
    http_response_code(404);
}
