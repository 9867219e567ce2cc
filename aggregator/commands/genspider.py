"""`scrapy genspider`, as Scrapy's, taking a URL or a host[:port] for the domain:
``allowed_domains`` gets the host alone (Scrapy's off-site filter compares hosts, so
``127.0.0.1:18931`` there filters every link), the start URL keeps the port and path.
A host with a port other than 443 is taken for plain http (Scrapy would write https)."""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy.commands.genspider import Command as ScrapyGenspiderCommand


def start_url(target: str) -> str:
    """``target`` (a URL, a host or host:port) as an absolute URL."""
    target = target.strip()
    parts = urlsplit(target)
    if parts.scheme in ("http", "https") and parts.netloc:
        return target
    parts = urlsplit("//" + target)
    scheme = "http" if parts.port not in (None, 443) else "https"
    return f"{scheme}://{parts.netloc}{parts.path or '/'}" + (f"?{parts.query}" if parts.query else "")


class Command(ScrapyGenspiderCommand):
    def syntax(self) -> str:
        return "[options] <name> <url or host[:port]>"

    def run(self, args, opts) -> None:
        if len(args) >= 2:
            args = [args[0], start_url(args[1]), *args[2:]]
        super().run(args, opts)

    def _generate_template_variables(self, module, name, url, template_name):
        tvars = super()._generate_template_variables(module, name, url, template_name)
        tvars["url"] = url
        tvars["domain"] = urlsplit(url).hostname or tvars["domain"]
        return tvars
