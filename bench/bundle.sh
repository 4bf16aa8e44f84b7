#!/usr/bin/env bash
# Builds a self-contained bundle for a GPU node that has an NVIDIA driver but no JDK or Maven:
#   OUT/runtime/        a jlink Java runtime (only the modules jbackprop uses)
#   OUT/lib/            jbackprop-all.jar (kernels fatbin and the cuBLAS bridge inside), the test
#                       classes and the JUnit console launcher for the gpu-tagged tests
#   OUT/jbackprop       launcher;  OUT/gpu-check.sh  the GPU check (and OUT/verify-matrix.txt, its verify cases);
#   OUT/COMMIT          the commit it was built from
# Usage: bench/bundle.sh [OUT]   (default: bundle/, which git ignores). Fails if OUT exceeds 60 MiB, or 63 MiB together
# with the working tree (a GPU node's copy of the working tree, carried paths included, may hold 64 MiB in all).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$(realpath -m "${1:-$here/bundle}")"
limit_mb=60
junit_console="org.junit.platform:junit-platform-console-standalone:1.14.1"

cd "$here"
command -v nvcc >/dev/null 2>&1 || command -v "${CUDA_HOME:-/usr/local/cuda}/bin/nvcc" >/dev/null 2>&1 \
  || echo "bundle: warning: nvcc not found, the bundle will have no GPU kernels" >&2
mvn -q -B -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip=true -pl src/cli -am package
mvn -q -B -N dependency:copy -Dartifact="$junit_console" -DoutputDirectory=target/bundle-deps >/dev/null

rm -rf "$out"
mkdir -p "$out/lib"
cp src/cli/target/jbackprop-all.jar "$out/lib/"
# Natives the bundle never loads: OpenBLAS's LAPACK builds and headers, JCuda's PTX compiler and NVRTC.
zip -q -d "$out/lib/jbackprop-all.jar" 'org/bytedeco/openblas/linux-x86_64/libjniopenblas.so' \
  'org/bytedeco/openblas/linux-x86_64/libjniopenblas_full.so' 'org/bytedeco/openblas/linux-x86_64/include/*' \
  'lib/libJNvPTXCompiler-*' 'lib/libJNvrtc-*' 'org/bytedeco/openblas/windows*' 'org/bytedeco/openblas/macosx*' >/dev/null || true
# Plotting libraries: the runtime below has no java.desktop, so plots are skipped anyway.
zip -q -d "$out/lib/jbackprop-all.jar" 'org/apache/pdfbox/*' 'org/apache/fontbox/*' 'de/rototor/*' 'org/knowm/xchart/*' 'com/madgag/*' \
  >/dev/null || true
jar --create --file "$out/lib/jbackprop-tests.jar" -C src/core/target/test-classes . -C src/cli/target/test-classes .
cp target/bundle-deps/*.jar "$out/lib/"

# Only what training, verify, the throughput run and the JUnit launcher (java.xml for its reports) need: no java.desktop
# (plots are skipped with a message), which keeps the bundle under the limit.
jlink --add-modules java.base,java.logging,java.management,java.xml,jdk.unsupported,jdk.zipfs --strip-debug --no-header-files --no-man-pages \
  --compress=2 --output "$out/runtime"
find "$out/runtime" -name '*.so' -exec strip --strip-unneeded {} \; 2>/dev/null || true

cat > "$out/jbackprop" <<'LAUNCH'
#!/usr/bin/env bash
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec "$here/runtime/bin/java" ${JAVA_OPTS:--Xmx16g} -Djava.awt.headless=true -jar "$here/lib/jbackprop-all.jar" "$@"
LAUNCH
chmod +x "$out/jbackprop"
cp bench/gpu-check.sh "$out/gpu-check.sh"
cp bench/verify-matrix.txt "$out/verify-matrix.txt"
(git rev-parse HEAD 2>/dev/null || echo unknown) > "$out/COMMIT"
git diff --quiet 2>/dev/null || echo "dirty" >> "$out/COMMIT"

size_mb=$(du -sm "$out" | cut -f1)
echo "bundle: $out ($size_mb MiB; kernels: $(unzip -l "$out/lib/jbackprop-all.jar" | grep -c 'jbackprop.fatbin') fatbin)"
if [ "$size_mb" -gt "$limit_mb" ]; then
  echo "bundle: $size_mb MiB exceeds the $limit_mb MiB limit" >&2
  exit 1
fi
# A GPU node gets the bundle as a carried path together with the working tree (tracked files and untracked ones git
# does not ignore): 64 MiB in all. Say how much of that the two take, and stop if they would not fit.
tree_bytes=$( (git ls-files -z; git ls-files -z --others --exclude-standard) | du -cb --files0-from=- 2>/dev/null | tail -n 1 | cut -f1)
bundle_bytes=$(du -sb "$out" | cut -f1)
total_mib=$(( (tree_bytes + bundle_bytes + 1048575) / 1048576 ))
echo "bundle: with the working tree ($(( (tree_bytes + 1048575) / 1048576 )) MiB) it travels as $total_mib MiB of the 64 MiB a GPU node's copy may carry"
if [ "$total_mib" -gt 63 ]; then
  echo "bundle: the working tree and the bundle come to $total_mib MiB, over the 63 MiB that leaves a margin under 64:" \
    "remove large untracked files (git status) or shrink the bundle" >&2
  exit 1
fi
