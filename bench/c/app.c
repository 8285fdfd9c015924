/*
 * The bench app on the C FastCGI library (libfcgi), one thread per connection: the main
 * thread accepts, each connection gets a detached thread that serves its requests in turn
 * until the web server closes it. Usage: app <unix socket path>
 */
#include <fcgiapp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static char chunk[64 * 1024];

static void serve_bytes(FCGX_Request *request) {
    const char *query = FCGX_GetParam("QUERY_STRING", request->envp);
    const char *n_param = query ? strstr(query, "n=") : NULL;
    long left = n_param ? strtol(n_param + 2, NULL, 10) : 1024 * 1024;
    if (left < 0) left = 1024 * 1024;
    FCGX_FPrintF(request->out,
                 "Status: 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: %ld\r\n\r\n", left);
    while (left > 0) {
        int size = left < (long)sizeof chunk ? (int)left : (int)sizeof chunk;
        if (FCGX_PutStr(chunk, size, request->out) < 0) return;
        left -= size;
    }
}

static void serve_one(FCGX_Request *request) {
    const char *uri = FCGX_GetParam("DOCUMENT_URI", request->envp);
    if (uri && strcmp(uri, "/hello") == 0) {
        FCGX_PutS("Status: 200 OK\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Length: 13\r\n\r\n"
                  "Hello, world!", request->out);
    } else if (uri && strcmp(uri, "/bytes") == 0) {
        serve_bytes(request);
    } else {
        FCGX_PutS("Status: 404 Not Found\r\nContent-Length: 0\r\n\r\n", request->out);
    }
}

static void *connection_thread(void *arg) {
    int fd = (int)(long)arg;
    FCGX_Request request;
    /* No listening socket: once this connection is closed, FCGX_Accept_r fails and the thread ends. */
    FCGX_InitRequest(&request, -1, 0);
    request.ipcFd = fd;
    /* FCGX_Accept_r first finishes the previous request, closing the connection unless it is kept. */
    request.keepConnection = 1;
    while (FCGX_Accept_r(&request) == 0) {
        serve_one(&request);
        FCGX_Finish_r(&request);
        if (request.ipcFd < 0) break;
    }
    if (request.ipcFd >= 0) close(request.ipcFd);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: app <socket path>\n");
        return 2;
    }
    memset(chunk, 'a', sizeof chunk);
    if (FCGX_Init() != 0) return 1;
    unlink(argv[1]);
    int listener = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    strncpy(address.sun_path, argv[1], sizeof address.sun_path - 1);
    if (bind(listener, (struct sockaddr *)&address, sizeof address) != 0 || listen(listener, 1024) != 0) {
        perror("listen");
        return 1;
    }
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attributes, 256 * 1024);
    for (;;) {
        int fd = accept(listener, NULL, NULL);
        if (fd < 0) continue;
        pthread_t thread;
        if (pthread_create(&thread, &attributes, connection_thread, (void *)(long)fd) != 0) close(fd);
    }
}
