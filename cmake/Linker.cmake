# LLVM's lld when it is installed (scripts/install-deps installs it): it links the sanitized test
# executables about twice as fast as GNU ld (5 s to 2 s each here), which is most of what a
# change in one layer costs. -DTCJ_LLD=OFF links with the compiler's default.
option(TCJ_LLD "Link with lld when it is installed" ON)
find_program(TCJ_LLD_PROGRAM ld.lld)
if(TCJ_LLD AND TCJ_LLD_PROGRAM)
  include(CheckLinkerFlag)
  check_linker_flag(CXX "-fuse-ld=lld" TCJ_LINKER_SUPPORTS_LLD)
  if(TCJ_LINKER_SUPPORTS_LLD)
    add_link_options(-fuse-ld=lld)
  endif()
endif()
