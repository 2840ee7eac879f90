# ccache in front of the compiler when it is installed (scripts/install-deps installs it): a fresh
# clone, a CI run or a switch of branch recompiles only what changed since any earlier build on
# this machine. base_dir makes the cache independent of where the clone lives (paths under it are
# hashed as relative ones); with nohashdir the build folder's path is not part of the key either,
# so two clones share results (their debug info then names the first clone's build folder).
# -DTCJ_CCACHE=OFF compiles everything.
option(TCJ_CCACHE "Compile through ccache when it is installed" ON)
find_program(TCJ_CCACHE_PROGRAM ccache)
if(TCJ_CCACHE AND TCJ_CCACHE_PROGRAM)
  set(CMAKE_CXX_COMPILER_LAUNCHER
      ${CMAKE_COMMAND} -E env CCACHE_BASEDIR=${CMAKE_SOURCE_DIR} CCACHE_NOHASHDIR=1 ${TCJ_CCACHE_PROGRAM})
endif()
