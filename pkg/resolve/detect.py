# Prints, as one JSON object, the facts tufpip needs to compute this interpreter's supported
# wheel tags and marker environment. Standard library only: pip and packaging are not used,
# so the answer does not depend on what is installed in the environment.
import importlib.machinery
import json
import os
import platform
import struct
import subprocess
import sys
import sysconfig


def config_var(name):
    try:
        return sysconfig.get_config_var(name)
    except Exception:
        return None


def flag(name):
    value = config_var(name)
    if value is None:
        return None
    return bool(value)


def integer(name):
    value = config_var(name)
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


def glibc_version():
    try:
        version_string = os.confstr("CS_GNU_LIBC_VERSION")
        assert version_string is not None
        _, version = version_string.rsplit()
        return version
    except (AssertionError, AttributeError, OSError, ValueError):
        pass
    try:
        import ctypes

        process_namespace = ctypes.CDLL(None)
        gnu_get_libc_version = process_namespace.gnu_get_libc_version
    except (ImportError, OSError, AttributeError):
        return None
    gnu_get_libc_version.restype = ctypes.c_char_p
    version = gnu_get_libc_version()
    if not isinstance(version, str):
        version = version.decode("ascii")
    return version


def full_version(info):
    version = "{0.major}.{0.minor}.{0.micro}".format(info)
    if info.releaselevel != "final":
        version += info.releaselevel[0] + str(info.serial)
    return version


def mac_version():
    version_str, _, cpu_arch = platform.mac_ver()
    if version_str.split(".")[:2] == ["10", "16"]:
        # Python built against an old SDK reports 10.16; ask without the compatibility shim.
        version_str = subprocess.run(
            [sys.executable, "-sS", "-c", "import platform; print(platform.mac_ver()[0])"],
            check=True,
            env={"SYSTEM_VERSION_COMPAT": "0"},
            stdout=subprocess.PIPE,
            text=True,
        ).stdout.strip()
    return version_str, cpu_arch


system = platform.system()
mac_ver, mac_arch = mac_version() if system == "Darwin" else ("", "")
ext_suffix = config_var("EXT_SUFFIX")
nodot = config_var("py_version_nodot")
facts = {
    "markers": {
        "implementation_name": sys.implementation.name,
        "implementation_version": full_version(sys.implementation.version),
        "os_name": os.name,
        "platform_machine": platform.machine(),
        "platform_release": platform.release(),
        "platform_system": system,
        "platform_version": platform.version(),
        "python_full_version": platform.python_version(),
        "platform_python_implementation": platform.python_implementation(),
        "python_version": ".".join(platform.python_version_tuple()[:2]),
        "sys_platform": sys.platform,
    },
    "implementation": sys.implementation.name,
    "version_info": list(sys.version_info[:3]),
    "py_version_nodot": None if nodot is None else str(nodot),
    "py_debug": flag("Py_DEBUG"),
    "gil_disabled": flag("Py_GIL_DISABLED"),
    "with_pymalloc": flag("WITH_PYMALLOC"),
    "unicode_size": integer("Py_UNICODE_SIZE"),
    "max_unicode": sys.maxunicode,
    "has_refcount": hasattr(sys, "gettotalrefcount"),
    "extension_suffixes": list(importlib.machinery.EXTENSION_SUFFIXES),
    "ext_suffix": ext_suffix if isinstance(ext_suffix, str) else None,
    "platform": sysconfig.get_platform(),
    "system": system,
    "mac_version": mac_ver,
    "mac_arch": mac_arch,
    "is_32bit": struct.calcsize("P") == 4,
    "executable": sys.executable,
    "glibc": glibc_version() if system == "Linux" else None,
}
sys.stdout.write(json.dumps(facts))
