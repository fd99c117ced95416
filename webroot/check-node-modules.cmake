# Fails the webroot build with a clear message when the UI's npm packages are not installed.
if(NOT EXISTS "${DIR}/node_modules/vite/bin/vite.js" OR NOT EXISTS "${DIR}/node_modules/typescript/bin/tsc")
  message(FATAL_ERROR "the web UI's npm packages are missing in ${DIR}/node_modules: run scripts/deps.sh "
                      "(or `npm ci` in webroot/), or configure with -DDEVKIT_BUILD_WEBUI=OFF")
endif()
if("${DIR}/package-lock.json" IS_NEWER_THAN "${DIR}/node_modules/.package-lock.json")
  message(WARNING "webroot/package-lock.json is newer than the installed packages: run scripts/deps.sh")
endif()
