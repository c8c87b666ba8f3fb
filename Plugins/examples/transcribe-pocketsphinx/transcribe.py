#!/usr/bin/env python3
"""An offline voicemail transcriber for the voice channel's `transcriber:` (docs/voice.md).

The exec protocol: the gateway runs this with the audio file's path as the last argument
(and LISTENING_POST_LANGUAGE in the environment); it prints one JSON object on stdout,
{"text": ..., "engine": ...}, or {"error": ...} and exits non-zero.

PocketSphinx (PyPI `pocketsphinx`, whose wheel ships its US English model, so nothing is
downloaded at run time) decodes 16 kHz mono 16-bit PCM; sox converts whatever the provider
recorded (Twilio's 8 kHz WAV, for one) to that. Its accuracy is that of a small model: good
for keywords and themes, not a transcript of record.
"""
import json
import os
import subprocess
import sys


def fail(message: str) -> None:
    print(json.dumps({"error": message}))
    sys.exit(1)


def main() -> None:
    if len(sys.argv) < 2:
        fail("usage: transcribe.py AUDIO_FILE")
    language = os.environ.get("LISTENING_POST_LANGUAGE", "en-US")
    if not language.lower().startswith("en"):
        fail(f"the bundled model is US English; {language} is not supported")
    try:
        from pocketsphinx import Decoder, get_model_path
    except ImportError as error:
        fail(f"pocketsphinx is not installed ({error}); pip install pocketsphinx==5.1.1")
    try:
        pcm = subprocess.run(
            ["sox", sys.argv[-1], "-t", "raw", "-r", "16000", "-c", "1", "-b", "16", "-e", "signed-integer", "-"],
            check=True, capture_output=True,
        ).stdout
    except FileNotFoundError:
        fail("sox is not installed (apt-get install sox)")
    except subprocess.CalledProcessError as error:
        fail(f"sox could not read the audio: {error.stderr.decode(errors='replace').strip()[-300:]}")
    model = get_model_path()
    decoder = Decoder(
        hmm=os.path.join(model, "en-us", "en-us"),
        lm=os.path.join(model, "en-us", "en-us.lm.bin"),
        dict=os.path.join(model, "en-us", "cmudict-en-us.dict"),
        samprate=16000,
        loglevel="FATAL",
    )
    decoder.start_utt()
    decoder.process_raw(pcm, full_utt=True)
    decoder.end_utt()
    hypothesis = decoder.hyp()
    try:
        from importlib.metadata import version as installed
        version = installed("pocketsphinx")
    except Exception:
        version = "5"
    print(json.dumps({"text": hypothesis.hypstr if hypothesis else "", "engine": f"pocketsphinx {version} (en-us)"}))


if __name__ == "__main__":
    main()
