# Deploy tests (label `deploy`): nethttp-static with the real software it is deployed with,
# all from Debian and started by the scripts themselves. A script exits 77 (skipped, with
# the reason) only when a tool is not installed; ./dev deps installs them all.
#
#   deploy.socket_activation   systemd-socket-activate passes the socket; bad LISTEN_FDS
#   deploy.hot_upgrade         ten SIGUSR2 upgrades under wrk: no error, new pid, no fd leak
#   deploy.rolling_restart     three instances behind HAProxy restarted under wrk
#   deploy.metrics             promtool check metrics; Prometheus scrapes an instance
#   deploy.systemd_units, deploy.kubernetes_snippet, deploy.tuning_snippet: docs/deploy.md
find_program(NETHTTP_DEPLOY_BASH bash)
if(NOT NETHTTP_BUILD_EXAMPLES OR NOT NETHTTP_DEPLOY_BASH)
  return()
endif()
set(_deploy_dir ${CMAKE_CURRENT_LIST_DIR})
set(_deploy_doc ${PROJECT_SOURCE_DIR}/docs/deploy.md)
set(_deploy_bin $<TARGET_FILE:nethttp-static>)

function(_nethttp_deploy_test name)
  cmake_parse_arguments(T "SERIAL" "TIMEOUT" "COMMAND" ${ARGN})
  add_test(NAME deploy.${name} COMMAND ${NETHTTP_DEPLOY_BASH} ${T_COMMAND})
  set_tests_properties(deploy.${name} PROPERTIES LABELS deploy SKIP_RETURN_CODE 77 TIMEOUT ${T_TIMEOUT})
  if(T_SERIAL)
    # wrk and several servers at once: alone, so neither they nor other tests starve.
    set_tests_properties(deploy.${name} PROPERTIES RUN_SERIAL TRUE)
  endif()
endfunction()

_nethttp_deploy_test(socket_activation TIMEOUT 60 COMMAND ${_deploy_dir}/socket_activation.sh ${_deploy_bin})
_nethttp_deploy_test(hot_upgrade SERIAL TIMEOUT 90 COMMAND ${_deploy_dir}/hot_upgrade.sh ${_deploy_bin} 10)
_nethttp_deploy_test(rolling_restart SERIAL TIMEOUT 90 COMMAND ${_deploy_dir}/rolling_restart.sh ${_deploy_bin} ${_deploy_doc})
_nethttp_deploy_test(metrics TIMEOUT 90 COMMAND ${_deploy_dir}/metrics.sh ${_deploy_bin} ${_deploy_doc})
_nethttp_deploy_test(systemd_units TIMEOUT 60 COMMAND ${_deploy_dir}/snippets.sh systemd ${_deploy_bin} ${_deploy_doc})
_nethttp_deploy_test(kubernetes_snippet TIMEOUT 60 COMMAND ${_deploy_dir}/snippets.sh kubernetes ${_deploy_bin} ${_deploy_doc})
_nethttp_deploy_test(tuning_snippet TIMEOUT 30 COMMAND ${_deploy_dir}/snippets.sh tuning ${_deploy_bin} ${_deploy_doc})
