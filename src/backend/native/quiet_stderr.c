// Silences file descriptor 2 while libtensorflow loads. TensorFlow 2.21 writes its start-up chatter (absl's
// "log messages before InitializeLog", the oneDNN notice) straight to stderr from C++ before any setting it
// reads can stop it; Node has no dup2, so this addon of ours does it. silence() returns the saved descriptor,
// restore(saved) puts it back.
#include <fcntl.h>
#include <node_api.h>
#include <unistd.h>

static napi_value silence(napi_env env, napi_callback_info info) {
  (void)info;
  int saved = dup(2);
  int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (saved >= 0 && devnull >= 0) dup2(devnull, 2);
  if (devnull >= 0) close(devnull);
  napi_value result;
  napi_create_int32(env, saved, &result);
  return result;
}

static napi_value restore(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t saved = -1;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) == napi_ok && argc == 1) napi_get_value_int32(env, argv[0], &saved);
  if (saved >= 0) {
    dup2(saved, 2);
    close(saved);
  }
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
    {"silence", NULL, silence, NULL, NULL, NULL, napi_default, NULL},
    {"restore", NULL, restore, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, 2, props);
  return exports;
}
