# configs/netdrift.schema.json lets editors complete and check config files. It must describe
# exactly what the loader accepts: every template passes both, and for a table of good and bad
# configs the schema and Test-NetDriftConfig agree.

BeforeDiscovery {
    $upstream = '{ "url": "http://127.0.0.1:3025" }'
    $repoRoot = Split-Path $PSScriptRoot -Parent
    $templates = Get-ChildItem (Join-Path $repoRoot 'configs') -Filter '*.json' |
        Where-Object Name -ne 'netdrift.schema.json' | ForEach-Object { @{ Name = $_.Name; Path = $_.FullName } }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '_TestHelpers.psm1') -Force
    Import-NetDriftUnderTest
    $repoRoot = Split-Path $PSScriptRoot -Parent
    $schema = Join-Path $repoRoot 'configs/netdrift.schema.json'

    function Test-BothWays {
        param([string] $Json)
        $path = Join-Path $TestDrive ("case-" + [guid]::NewGuid() + '.json')
        Set-Content -Path $path -Value $Json
        [pscustomobject]@{
            Schema = [bool](Test-Json -Path $path -SchemaFile $schema -ErrorAction SilentlyContinue)
            Loader = [bool](Test-NetDriftConfig -Path $path -ErrorAction SilentlyContinue)
        }
    }
}

Describe 'configs/netdrift.schema.json' {
    It '<Name> references the schema and passes it and the loader' -ForEach $templates {
        (Get-Content $Path -Raw | ConvertFrom-Json).'$schema' | Should -Be './netdrift.schema.json'
        Test-Json -Path $Path -SchemaFile $schema | Should -BeTrue
        Test-NetDriftConfig -Path $Path | Should -BeTrue
    }

    It 'accepts the Go program''s template-us.json and refuses its placeholder URL like the loader' {
        $go = Join-Path $repoRoot 'tests/data/go-netdrift'
        Test-Json -Path (Join-Path $go 'template-us.json') -SchemaFile $schema | Should -BeTrue
        Test-Json -Path (Join-Path $go 'template-production.json') -SchemaFile $schema -ErrorAction SilentlyContinue | Should -BeFalse
    }

    It 'agrees with the loader on <Case>' -ForEach @(
        @{ Case = 'the smallest config'; Valid = $true; Json = "{ `"upstream_proxies`": [ $upstream ] }" }
        @{ Case = 'every field'; Valid = $true; Json = @"
{ "server": { "name": "x", "listen_address": "[::1]:0", "stats_endpoint": "/s" },
  "authentication": { "enabled": true, "users": [ { "username": "u", "password": "p" } ] },
  "upstream_proxies": [ { "url": "http://u:p%40ss@127.0.0.1:3025", "name": "a", "enabled": false, "weight": 0, "tag": "t", "note": "n" } ],
  "upstream_timeout": 2.5, "load_balancing": "sticky", "retries": 0,
  "health_check": { "enabled": false, "interval_seconds": 30, "timeout_seconds": 5, "failure_threshold": 0, "recovery_threshold": 2, "endpoints": [ "http://127.0.0.1:1/" ], "endpoint_rotation": true },
  "limits": { "max_connections": 5, "header_timeout_seconds": 1, "idle_timeout_seconds": 60, "max_header_bytes": 4096, "max_header_count": 50 },
  "allowed_ports": [ 443 ], "metrics_endpoint": "/m", "expose_upstream": true, "logging": { "level": "Debug", "format": "json" } }
"@ }
        @{ Case = 'no upstream_proxies'; Valid = $false; Json = '{ "retries": 1 }' }
        @{ Case = 'upstream_sources instead of upstream_proxies'; Valid = $true; Json = '{ "upstream_sources": [ { "path": "p.txt", "refresh_seconds": 5, "tag": "b", "weight": 2 }, { "url": "http://127.0.0.1:8000/list.txt" } ] }' }
        @{ Case = 'a source with both path and url'; Valid = $false; Json = '{ "upstream_sources": [ { "path": "p.txt", "url": "http://127.0.0.1:8000/l" } ] }' }
        @{ Case = 'a source refreshed more than once a second'; Valid = $false; Json = '{ "upstream_sources": [ { "path": "p.txt", "refresh_seconds": 0.5 } ] }' }
        @{ Case = 'a source with an ftp URL'; Valid = $false; Json = '{ "upstream_sources": [ { "url": "ftp://127.0.0.1/l" } ] }' }
        @{ Case = 'an unknown top-level field'; Valid = $false; Json = "{ `"upstream_proxies`": [ $upstream ], `"retires`": 1 }" }
        @{ Case = 'an unknown upstream field'; Valid = $false; Json = '{ "upstream_proxies": [ { "url": "http://127.0.0.1:1", "wieght": 1 } ] }' }
        @{ Case = 'a negative weight'; Valid = $false; Json = '{ "upstream_proxies": [ { "url": "http://127.0.0.1:1", "weight": -1 } ] }' }
        @{ Case = 'a weight over 1000'; Valid = $false; Json = '{ "upstream_proxies": [ { "url": "http://127.0.0.1:1", "weight": 1001 } ] }' }
        @{ Case = 'a string weight'; Valid = $false; Json = '{ "upstream_proxies": [ { "url": "http://127.0.0.1:1", "weight": "2" } ] }' }
        @{ Case = 'an upstream without url'; Valid = $false; Json = '{ "upstream_proxies": [ { "weight": 1 } ] }' }
        @{ Case = 'an ftp URL'; Valid = $false; Json = '{ "upstream_proxies": [ { "url": "ftp://127.0.0.1:1" } ] }' }
        @{ Case = 'a URL with a path'; Valid = $false; Json = '{ "upstream_proxies": [ { "url": "http://127.0.0.1:1/x" } ] }' }
        @{ Case = 'a non-numeric port'; Valid = $false; Json = '{ "upstream_proxies": [ { "url": "http://host:port" } ] }' }
        @{ Case = 'an unknown strategy'; Valid = $false; Json = "{ `"upstream_proxies`": [ $upstream ], `"load_balancing`": `"random`" }" }
        @{ Case = 'negative retries'; Valid = $false; Json = "{ `"upstream_proxies`": [ $upstream ], `"retries`": -1 }" }
        @{ Case = 'a negative timeout'; Valid = $false; Json = "{ `"upstream_proxies`": [ $upstream ], `"upstream_timeout`": -5 }" }
        @{ Case = 'a port out of range'; Valid = $false; Json = "{ `"upstream_proxies`": [ $upstream ], `"allowed_ports`": [ 70000 ] }" }
        @{ Case = 'a listen address without port'; Valid = $false; Json = "{ `"server`": { `"listen_address`": `"127.0.0.1`" }, `"upstream_proxies`": [ $upstream ] }" }
        @{ Case = 'a user without password'; Valid = $false; Json = "{ `"authentication`": { `"users`": [ { `"username`": `"u`" } ] }, `"upstream_proxies`": [ $upstream ] }" }
        @{ Case = 'an unknown log level'; Valid = $false; Json = "{ `"upstream_proxies`": [ $upstream ], `"logging`": { `"level`": `"Loud`" } }" }
        @{ Case = 'stats on /healthz'; Valid = $false; Json = "{ `"server`": { `"stats_endpoint`": `"/healthz`" }, `"upstream_proxies`": [ $upstream ] }" }
    ) {
        $verdict = Test-BothWays $Json
        $verdict.Loader | Should -Be $Valid -Because 'Test-NetDriftConfig decides'
        $verdict.Schema | Should -Be $Valid -Because 'the schema must say what the loader says'
    }
}
