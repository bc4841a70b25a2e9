"""Render a .docx to PDF with LibreOffice, with the standard's fonts mapped to free ones.

Users get .docx files to edit and print; a PDF is for previews and the archive. Debian has
none of the fonts the documents name, so the conversion runs with FONTCONFIG_FILE pointing
at pangting/lib/fonts/fonts.conf, which maps them to Noto CJK.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

FONTCONFIG_FILE = Path(__file__).resolve().parent.parent / "fonts" / "fonts.conf"


class PdfConversionError(RuntimeError):
    """LibreOffice is missing, failed, timed out or produced no PDF."""


def convert_to_pdf(docx_bytes: bytes, *, timeout: int = 120) -> bytes:
    """Convert a .docx to PDF with ``soffice --headless`` and return the PDF's bytes.

    Every call gets its own temporary directory and LibreOffice profile: conversions that
    share a profile run into each other's lock and silently lose files. The process runs in
    its own session so that a timeout can stop soffice.bin as well as the launcher script.
    """
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise PdfConversionError("未找到 LibreOffice（soffice），无法生成 PDF。请在服务器上安装 libreoffice-writer。")
    with tempfile.TemporaryDirectory(prefix="lo-") as work:
        work_dir = Path(work)
        source = work_dir / "document.docx"
        source.write_bytes(docx_bytes)
        out_dir = work_dir / "out"
        command = [
            soffice,
            f"-env:UserInstallation={(work_dir / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out_dir),
            str(source),
        ]
        env = {**os.environ, "FONTCONFIG_FILE": str(FONTCONFIG_FILE)}
        process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=work_dir,
            start_new_session=True,
        )
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise PdfConversionError(f"LibreOffice 在{timeout}秒内未完成 PDF 转换，已终止。") from None
        pdf = out_dir / "document.pdf"
        if process.returncode != 0 or not pdf.is_file():
            detail = (stderr or stdout).decode("utf-8", "replace").strip()[-500:]
            raise PdfConversionError(
                f"LibreOffice 转换 PDF 失败（退出码 {process.returncode}）：{detail or '未生成文件'}"
            )
        return pdf.read_bytes()
