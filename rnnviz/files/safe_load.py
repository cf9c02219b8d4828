"""A model file's bytes read without running anything in them: safetensors, or a torch.save .pt.

Safetensors holds numbers and text only, so reading one cannot execute anything. A `.pt` is read with
`weights_only=True`, which refuses every Python object but tensors and plain containers. What comes
out is tensors and the settings' metadata, not yet checked against any model (rnnviz.files.checkpoint).
"""

from __future__ import annotations

import io
import json
import pickle
import warnings
import zipfile

import safetensors.torch
import torch
from safetensors import SafetensorError

from rnnviz.errors import INT_BITS, INT_DIGITS, InputError, check_encodable, shown
from rnnviz.files.disk import megabytes

MAX_CHECKPOINT_BYTES = 50_000_000  # 50 MB, counted as the uploads are (rnnviz.datasets.uploads.MAX_UPLOAD_BYTES)
METADATA_KEY = "rnnviz"
FLOAT_DTYPES = {"F16", "BF16", "F32", "F64"}
TORCH_HINT = ("A .pt file is read only if torch.save wrote a dict {'rnnviz': <settings>, 'state_dict': <tensors>}; "
              "the simplest is to export from rnnviz, which writes .safetensors.")


def unpack(data: bytes, label: str) -> tuple[dict, object]:
    """The tensors and the rnnviz metadata in a model file's bytes; InputError (starting with `label`) if none."""
    if len(data) > MAX_CHECKPOINT_BYTES:
        raise InputError(f"{label} is {len(data):,} bytes; model files up to {megabytes(MAX_CHECKPOINT_BYTES)} "
                         "are accepted.")
    if not data:
        raise InputError(f"{label} is empty.")
    # Safetensors first: its 8-byte header length may itself start with 0x80, a pickle's first byte.
    if _looks_like_safetensors(data):
        return _read_safetensors(data, label)
    if data.startswith(b"PK\x03\x04"):
        return _read_torch(data, label, zipped=True)
    if data.startswith(b"\x80"):  # a pickle of protocol 2 or later: torch.save's legacy format
        return _read_torch(data, label, zipped=False)
    raise InputError(f"{label} is not a model file rnnviz can read: export one from rnnviz (.safetensors). "
                     + TORCH_HINT)


def _looks_like_safetensors(data: bytes) -> bool:
    if len(data) < 10:
        return False
    header_length = int.from_bytes(data[:8], "little")
    return 2 <= header_length <= len(data) - 8 and data[8:9] == b"{"


def _read_safetensors(data: bytes, label: str) -> tuple[dict, object]:
    header_length = int.from_bytes(data[:8], "little")
    try:
        header = json.loads(data[8:8 + header_length].decode("utf-8"))
    except (ValueError, RecursionError):  # ValueError: bad UTF-8 or JSON, or a number of more than 4,300 digits
        raise InputError(f"{label} is damaged: its safetensors header is not valid JSON, or holds a number too "
                         "long to read.") from None
    check_plain(header, label)
    if not isinstance(header, dict):
        raise InputError(f"{label} is damaged: its safetensors header is not a table of tensors.")
    metadata = header.pop("__metadata__", None)
    for name, entry in header.items():
        dtype = entry.get("dtype") if isinstance(entry, dict) else None
        if dtype not in FLOAT_DTYPES:
            raise InputError(f"{label}: tensor {shown(name, 60)} is not floating point ({shown(dtype, 10)}); "
                             "a model's weights are.")
    try:
        tensors = safetensors.torch.load(data)
    except (SafetensorError, ValueError, RuntimeError, OverflowError) as error:
        raise InputError(f"{label} is damaged or cut short ({str(error)[:120]}).") from None
    if not isinstance(metadata, dict) or METADATA_KEY not in metadata:
        raise InputError(f"{label} holds tensors but not the rnnviz settings that built them; "
                         "export models from rnnviz so they can be loaded again.")
    return tensors, metadata[METADATA_KEY]


def _read_torch(data: bytes, label: str, zipped: bool) -> tuple[dict, object]:
    if zipped:
        _check_zip(data, label)
    try:
        # weights_only: the unpickler builds tensors and plain containers only; anything else is refused
        # before it is called, so no code from the file runs. Any failure of a hostile file is a refusal.
        with warnings.catch_warnings():  # a hostile file's warnings would only fill the server log
            warnings.simplefilter("ignore")
            loaded = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        found = next((line.strip() for line in str(error).splitlines() if "global" in line.lower()), "")
        found = f" ({found[:120]})" if found else ""
        raise InputError(f"{label} holds Python objects that are not plain tensors{found}. "
                         "Loading it could run code, so rnnviz refuses it. " + TORCH_HINT) from None
    except Exception as error:  # noqa: BLE001 - torch raises many kinds on damaged input
        raise InputError(f"{label} is not a readable torch.save file ({type(error).__name__}). " + TORCH_HINT) from None
    if not isinstance(loaded, dict) or not isinstance(loaded.get("state_dict"), dict) or METADATA_KEY not in loaded:
        if isinstance(loaded, dict) and loaded and all(isinstance(v, torch.Tensor) for v in loaded.values()):
            raise InputError(f"{label} holds weights but not the settings that built them. " + TORCH_HINT)
        raise InputError(f"{label} is a torch.save file, but not of a model rnnviz can rebuild. " + TORCH_HINT)
    tensors = loaded["state_dict"]
    check_plain(loaded, label)
    for name, value in tensors.items():
        if not isinstance(value, torch.Tensor) or not value.is_floating_point():
            raise InputError(f"{label}: entry {shown(name, 60)} of state_dict is not a floating-point tensor.")
    metadata = loaded[METADATA_KEY]
    return tensors, metadata


def _check_zip(data: bytes, label: str) -> None:
    """torch.save writes its archive uncompressed: refuse compressed entries (a zip bomb) and huge claims."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise InputError(f"{label} is a damaged zip archive.") from None
    if len(entries) > 10_000 or sum(e.file_size for e in entries) > 2 * MAX_CHECKPOINT_BYTES:
        raise InputError(f"{label} unpacks to too much data for a model file.")
    if any(e.compress_type != zipfile.ZIP_STORED for e in entries):
        raise InputError(f"{label} is a compressed zip; torch.save files are not, so rnnviz refuses it.")


def check_plain(value, label: str) -> None:
    """Refuse, anywhere in what a model file holds, text that is not whole Unicode characters and whole numbers
    too long to write out: either would load, then fail where a page shows it, a link carries it or a file saves it."""
    stack = [value]
    while stack:  # not recursive: a pickle can nest lists far deeper than Python's recursion limit
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, str):
            check_encodable(item, f"{label}: the text {shown(item, 20)} in its settings")
        elif isinstance(item, int) and item.bit_length() > INT_BITS:
            raise InputError(f"{label} holds a whole number of more than {INT_DIGITS:,} digits; no setting of a "
                             "model is anywhere near that long.")
