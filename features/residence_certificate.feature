@residence
Feature: Get a signed copy of a resident record (住民票の写し) online
  A Sakuragi City resident signs in with their My Number card and downloads a copy of a
  resident record, sealed by the city, within a few screens. The Basic Resident Registration
  Act decides who may have whose record: the person and their household; a proxy holding a
  letter of authority the person signed with their card; a third party with a legitimate
  interest, whose request a clerk reviews. My Number and 住民票コード appear only when asked
  for, for a procedure a law requires them for, and never reach a proxy or a third party. A
  bank checks the copy itself on the portal, against its own rule on how recent it must be.

  Background:
    Given Madoguchi is shown in English

  Scenario: Resident downloads a signed residence certificate for their own household (happy path)
    Given Kenta has signed in with his My Number card to ask for a copy of a resident record
    When Kenta asks for a copy of his whole household's record to give to a bank
    And Kenta pays by card
    Then Kenta is told "Your copy is ready"
    And Kenta got there in at most 6 screens after signing in
    When Kenta downloads the signed copy
    Then the copy shows these people, the head of household first, then by age: 森下 健太, 佐伯 節子, 森下 彩花, 森下 蒼, 森下 凛, 森下 陽向
    And pyHanko finds the copy's seal valid, made by 桜木市長
    And the copy's QR code, read from the printed page, verifies offline with kit verify
    And every page Kenta saw passes an accessibility scan

  Scenario: Certificate omits My Number, 住民票コード and 本籍 unless each is explicitly requested
    Given Kenta has signed in with his My Number card to ask for a copy of a resident record
    When Kenta asks for a copy of his own record to give to a landlord
    And Kenta pays by card
    And Kenta downloads the signed copy
    Then the copy does not show Kenta's My Number, 住民票コード or 本籍
    When Kenta asks for a copy of his own record for a tax procedure, also showing his 本籍 and his My Number
    And Kenta pays by card
    Then Madoguchi ID asks Kenta to sign the request with his card
    When Kenta signs with his signing password
    Then Kenta is told "Your copy is ready"
    When Kenta downloads the signed copy
    Then the copy shows Kenta's My Number and 本籍 but not his 住民票コード
    And every page Kenta saw passes an accessibility scan

  Scenario: Household member obtains another member's certificate without a letter of authority
    Given Kenta has signed in with his My Number card to ask for a copy of a resident record
    When Kenta asks for a copy of Setsuko's record, as someone in his household, to give to a bank
    And Kenta pays by card
    Then Kenta is told "Your copy is ready"
    And Kenta was not asked for a letter of authority or a signature
    When Kenta downloads the signed copy
    Then the copy shows these people: 佐伯 節子
    And every page Kenta saw passes an accessibility scan

  Scenario: Relative at the same address but in a separate household is treated as a proxy and refused without 委任状
    Given Ryosuke has signed in with his My Number card to ask for a copy of a resident record
    When Ryosuke asks for a copy of Masao's record, as someone in his household, to give to a bank
    And Ryosuke sends the request
    Then Ryosuke is told "We cannot issue this copy online"
    And Ryosuke is told that he needs a letter of authority signed by Masao
    And Ryosuke is offered nothing to download
    And every page Ryosuke saw passes an accessibility scan

  Scenario: Proxy with a valid electronic 委任状 obtains a certificate; My Number copy is mailed to the principal instead
    Given Masao has signed in with his My Number card to ask for a copy of a resident record
    When Masao authorises Naoko to ask for his copy for a pension procedure, including his My Number
    And Masao signs with his signing password
    Then Masao is given the code of his letter of authority
    Given Naoko has signed in with her My Number card to ask for a copy of a resident record
    When Naoko asks for a copy of Masao's record as his proxy, with the code of his letter and his My Number
    And Naoko pays by card
    Then Madoguchi ID asks Naoko to sign the request with her card
    When Naoko signs with her signing password
    Then Naoko is told "Your copy is ready"
    When Naoko downloads the signed copy
    Then the copy shows these people: 石川 正男
    And the copy does not show Masao's My Number, 住民票コード or 本籍
    When Naoko asks for a copy of Masao's record as his proxy, with the code of his letter and his My Number, also showing his My Number
    And Naoko pays by card
    And Naoko signs with her signing password
    Then Naoko is told "Your request is complete"
    And Naoko is told the copy will be posted to Masao's registered address
    And Naoko is offered nothing to download
    And every page Masao saw passes an accessibility scan
    And every page Naoko saw passes an accessibility scan

  Scenario: Third party without legitimate interest is refused; third party never receives My Number; a clerk approves the request and the copy is theirs
    Given Naoko has signed in with her My Number card to ask for a copy of a resident record
    When Naoko asks as a third party for the record of 石川 亮介 at 桜木市中央三丁目3番4号201号室 without saying why
    Then Naoko is told "Say why you need the record" about the reason
    When Naoko says why: "I hold a court judgment for a debt he owes my client and must serve it at his address"
    Then Naoko is not offered a copy showing the My Number or the resident record code
    And Naoko is not offered a purpose that the law requires the My Number for
    When Naoko sends the form with My Number added by hand, for something else
    Then Naoko is told "A third party can never get a copy showing the My Number or the resident record code." about what the copy shows
    When Naoko asks for the copy for something else
    And Naoko sends the request
    Then Naoko is told "Your request has been sent for review"
    And Naoko is offered nothing to download
    When a Sakuragi City clerk approves Naoko's request after review
    Then Naoko finds the request issued among her requests and downloads the copy
    And pyHanko finds the copy's seal valid, made by 桜木市長
    And the copy shows these people: 石川 亮介
    And every page Naoko saw passes an accessibility scan
    And every page the city clerk saw passes an accessibility scan

  Scenario: A request waiting for review is withdrawn before a clerk decides it
    Given Naoko has signed in with her My Number card to ask for a copy of a resident record
    When Naoko asks as a third party for the record of 石川 亮介 at 桜木市中央三丁目3番4号201号室, because "I hold a court judgment for a debt he owes my client"
    And Naoko asks for the copy for something else
    And Naoko sends the request
    Then Naoko is told "Your request has been sent for review"
    When Naoko withdraws the request
    Then Naoko is told "You withdrew this request"
    And Naoko finds the request withdrawn among her requests
    And the request is not in the Sakuragi City clerk's review queue
    And every page Naoko saw passes an accessibility scan
    And every page the city clerk saw passes an accessibility scan

  Scenario: Request by the adverse party of a DV support-measure holder is refused without revealing the address
    Given Tsuyoshi has signed in with his My Number card to ask for a copy of a resident record
    When Tsuyoshi asks as a third party for the record of 大野 由美子 at 桜木市中央二丁目5番8号, because "I must send her a letter about money she owes me"
    And Tsuyoshi asks for the copy for something else
    And Tsuyoshi sends the request
    Then Tsuyoshi is told "We cannot issue this copy online"
    And the page tells Tsuyoshi nothing about 大野 由美子: not her name, not an address
    And Tsuyoshi is told exactly what anyone asking about someone the register does not hold is told
    And every page Tsuyoshi saw passes an accessibility scan

  Scenario: Principal's My Number with an invalid check digit is rejected
    Given Naoko has signed in with her My Number card to ask for a copy of a resident record
    When Naoko asks for a copy as someone's proxy, with the letter code "M-7K3P9Q2W4X8Z" and their My Number "999000000017"
    Then Naoko is told "This is not a valid My Number: check the digits" about the principal's My Number
    When Naoko types the My Number again as "９９９０００００００１７"
    Then Naoko is told "This is not a valid My Number: check the digits" about the principal's My Number
    And every page Naoko saw passes an accessibility scan

  Scenario: Mailing postal code with a bad format, or not matching the municipality, is rejected
    Given Kenta has signed in with his My Number card to ask for a copy of a resident record
    When Kenta asks for a copy of his own record to give to a bank, with a printed copy posted to "0000-123"
    Then Kenta is told "Enter a postal code like 000-0101 (3 digits, a hyphen, 4 digits)" about the postal code
    When Kenta changes the postal code to "000-0201"
    Then Kenta is told "This postal code is not in Sakuragi City: the city only posts copies to addresses registered in the city" about the postal code
    When Kenta changes the postal code to "000-0199"
    Then Kenta is told "This postal code is not in Japan Post's list" about the postal code
    When Kenta changes the postal code to "００００１０１"
    Then Kenta is asked to check his answers, with a printed copy posted to "000-0101"
    And every page Kenta saw passes an accessibility scan

  Scenario: Bank verifies the certificate signature and rejects it when older than its 3-month freshness rule
    Given Kenta has signed in with his My Number card to ask for a copy of a resident record
    And the clerk reads the portal in English
    When Kenta asks for a copy of his own record to give to a bank
    And Kenta pays by card
    And Kenta downloads the signed copy
    And Kenta gives the bank the copy he downloaded
    And the clerk checks the certificate's PDF, accepting only documents issued within the last 3 months
    Then the clerk is told "This document is valid"
    And the clerk sees "Issuer" is "GOV/LG-139998"
    And the clerk sees "Status with the issuer" is "Current (not revoked)"
    And the clerk is told it is recent enough for their rule
    And the clerk's page passes an accessibility scan
    When the bank is given a copy of Kenta's record issued 4 months ago
    And the clerk checks the certificate's PDF, accepting only documents issued within the last 3 months
    Then the clerk is told "This document is valid"
    And the clerk is told it is too old for their rule
    And every page Kenta saw passes an accessibility scan

  Scenario: A government verifier sees that the resident has moved since the copy was issued
    Given Kenji has signed in with his My Number card to ask for a copy of a resident record
    When Kenji asks for a copy of his own record to give to a landlord
    And Kenji pays by card
    And Kenji downloads the signed copy
    Then the pension office checking the copy through the exchange is told it is valid and Kenji still lives at its address
    When a Sakuragi City clerk registers Kenji's move out of the city
    Then the pension office checking the copy through the exchange is told it is valid and Kenji has moved since it was issued
    And every page Kenji saw passes an accessibility scan
    And every page the city clerk saw passes an accessibility scan
